import BulwarkJSON

/// The valid-instance fast path: the compiled schema again, arranged for answering
/// "valid or not" and nothing else.
///
/// Most instances are valid, and a valid instance needs no messages, paths or
/// annotations. Here every node is a plain record in one buffer, with its keywords
/// grouped by the instance type they apply to, and every reference (to another node, a
/// property name, a pattern) is an index into a buffer allocated once. Checking a value
/// is then one switch on its type and a walk over the records that apply: no reference
/// counting, no exclusivity checks, no copies of keyword enums (which is where the tree
/// of classes and enums spent nine tenths of its time; docs/benchmarks.md).
///
/// `JSONSchema.validate` runs this first and the reporting evaluator (Validator.swift)
/// only on failure, so both must agree on validity: the JSON Schema Test Suite test
/// checks each on every case. Schemas that need the dynamic scope or annotations
/// (`$dynamicRef`, `unevaluatedProperties`, `unevaluatedItems`) have no fast path.
final class FastPath: @unchecked Sendable {
    private let nodes: UnsafeMutableBufferPointer<NodeRecord>
    private let objects: UnsafeMutableBufferPointer<ObjectRecord>
    private let arrays: UnsafeMutableBufferPointer<ArrayRecord>
    private let strings: UnsafeMutableBufferPointer<StringRecord>
    private let generals: UnsafeMutableBufferPointer<GeneralRecord>
    private let numberChecks: UnsafeMutableBufferPointer<NumberRecord>
    /// Node indices, name indices and pattern indices of lists, by `Span`.
    private let lists: UnsafeMutableBufferPointer<Int32>
    private let names: UnsafeMutableBufferPointer<String>
    /// Each name's UTF-8 bytes and hash, by name index: keys are compared as bytes, so
    /// no String is copied (and retained) per comparison.
    private let nameRecords: UnsafeMutableBufferPointer<NameRecord>
    private let nameBytes: UnsafeMutableBufferPointer<UInt8>
    private let maps: UnsafeMutableBufferPointer<MapRecord>
    private let mapEntries: UnsafeMutableBufferPointer<MapEntry>
    private let mapSlots: UnsafeMutableBufferPointer<Int32>
    private let patterns: UnsafeMutableBufferPointer<Pattern>
    private let values: UnsafeMutableBufferPointer<JSON>
    private let numbers: UnsafeMutableBufferPointer<JSONNumber>

    fileprivate init(_ b: FastPathBuilder) {
        nodes = freeze(b.nodes)
        objects = freeze(b.objects)
        arrays = freeze(b.arrays)
        strings = freeze(b.strings)
        generals = freeze(b.generals)
        numberChecks = freeze(b.numberChecks)
        lists = freeze(b.lists)
        names = freeze(b.names)
        var records: [NameRecord] = []
        var bytes: [UInt8] = []
        for name in b.names {
            let utf8 = Array(name.utf8)
            records.append(NameRecord(start: Int32(bytes.count), count: Int32(utf8.count), hash: nameHash(utf8)))
            bytes += utf8
        }
        nameRecords = freeze(records)
        nameBytes = freeze(bytes)
        maps = freeze(b.maps)
        mapEntries = freeze(b.mapEntries)
        mapSlots = freeze(b.mapSlots)
        patterns = freeze(b.patterns)
        values = freeze(b.values)
        numbers = freeze(b.numbers)
    }

    deinit {
        release(nodes); release(objects); release(arrays); release(strings); release(generals); release(numberChecks)
        release(lists); release(names); release(nameRecords); release(nameBytes); release(maps); release(mapEntries); release(mapSlots); release(patterns)
        release(values); release(numbers)
    }

    /// Is `instance` valid against the root?
    ///
    /// The walk reaches nested values through pointers into the document (`JSON.unsafeMembers`,
    /// `unsafeItems`), never copying them: a copy of an object or array retains its storage,
    /// and those atomic operations were most of the time left. `instance` is borrowed for
    /// the whole walk, which keeps every pointer valid.
    func isValid(_ instance: JSON) -> Bool {
        withUnsafePointer(to: instance) { isValid(0, at: $0, 0) }
    }

    private func isValid(_ index: Int32, at value: UnsafePointer<JSON>, _ depth: Int) -> Bool {
        let node = nodes.baseAddress! + Int(index)
        if node.pointee.constant >= 0 { return node.pointee.constant == 1 }
        if depth > Evaluation.maxDepth { return false }  // the reporting path says why
        let types = TypeSet(rawValue: node.pointee.types)
        // One switch on the value's kind; only strings and numbers are copied out (a string
        // only when a string keyword applies).
        switch value.pointee {
        case .null:
            if node.pointee.types != 0, !types.contains(.null) { return false }
        case .bool:
            if node.pointee.types != 0, !types.contains(.boolean) { return false }
        case .object:
            if node.pointee.types != 0, !types.contains(.object) { return false }
            if node.pointee.object >= 0, let members = JSON.unsafeMembers(at: value),
               !object(node.pointee.object, members, value, depth) { return false }
        case .array:
            if node.pointee.types != 0, !types.contains(.array) { return false }
            if node.pointee.array >= 0, let items = JSON.unsafeItems(at: value), !array(node.pointee.array, items, depth) { return false }
        case .string(let s):
            if node.pointee.types != 0, !types.contains(.string) { return false }
            if node.pointee.string >= 0, !string(node.pointee.string, s) { return false }
        case .number(let n):
            if node.pointee.types != 0, !types.contains(.number), !(types.contains(.integer) && n.isInteger) { return false }
            for i in node.pointee.numbers.range where !numberChecks[i].isValid(n, numbers) { return false }
        }
        for i in node.pointee.refs.range where !isValid(lists[i], at: value, depth + 1) { return false }
        for i in node.pointee.generals.range where !general(i, value, depth) { return false }
        return true
    }

    /// Name `name` among `members` (linear: objects in documents are small, and this
    /// needs no index of the object).
    private func has(_ members: UnsafeBufferPointer<JSONObject.Element>, _ name: Int32) -> Bool {
        let wanted = nameRecords[Int(name)]
        for m in members.indices {
            let found: Bool? = key(members, m).pointee.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.count == Int(wanted.count) && equal(bytes, wanted)
            }
            if found ?? members[m].key.utf8Equal(names[Int(name)]) { return true }
        }
        return false
    }

    /// Whether `bytes` are the bytes of the name `record` describes.
    @inline(__always)
    private func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ record: NameRecord) -> Bool {
        let stored = nameBytes.baseAddress! + Int(record.start)
        for i in 0..<bytes.count where bytes[i] != stored[i] { return false }
        return true
    }

    private func object(_ index: Int32, _ members: UnsafeBufferPointer<JSONObject.Element>, _ whole: UnsafePointer<JSON>,
                        _ depth: Int) -> Bool {
        let o = objects.baseAddress! + Int(index)
        let count = members.count
        if count < o.pointee.minProperties || count > o.pointee.maxProperties { return false }
        for i in o.pointee.required.range where !has(members, lists[i]) { return false }
        if o.pointee.visitsMembers {
            for m in members.indices {
                var matched = false
                let keyHash = hash(key(members, m))
                if o.pointee.properties >= 0 {
                    let target = lookup(o.pointee.properties, key(members, m), hash: keyHash)
                    if target >= 0 {
                        matched = true
                        if !isValid(target, at: value(members, m), depth + 1) { return false }
                    }
                }
                let pairs = o.pointee.patterns.range
                for p in stride(from: pairs.lowerBound, to: pairs.upperBound, by: 2) {
                    switch patterns[Int(lists[p])].test(members[m].key) {
                    case .noMatch: continue
                    case .exhausted: return false  // the full validator names it
                    case .match: break
                    }
                    matched = true
                    if !isValid(lists[p + 1], at: value(members, m), depth + 1) { return false }
                }
                if !matched, o.pointee.additional >= 0, o.pointee.known < 0 || lookup(o.pointee.known, key(members, m), hash: keyHash) < 0 {
                    if !isValid(o.pointee.additional, at: value(members, m), depth + 1) { return false }
                }
                if o.pointee.propertyNames >= 0 {
                    let name = JSON.string(members[m].key)
                    if !withUnsafePointer(to: name, { isValid(o.pointee.propertyNames, at: $0, depth + 1) }) { return false }
                }
            }
        }
        // Dependencies: lists of (name, first, count) into lists / (name, node).
        var d = o.pointee.dependentRequired.range.lowerBound
        while d < o.pointee.dependentRequired.range.upperBound {
            let (name, start, n) = (lists[d], Int(lists[d + 1]), Int(lists[d + 2]))
            d += 3
            guard has(members, name) else { continue }
            for k in start..<(start + n) where !has(members, lists[k]) { return false }
        }
        var s = o.pointee.dependentSchemas.range.lowerBound
        while s < o.pointee.dependentSchemas.range.upperBound {
            let (name, target) = (lists[s], lists[s + 1])
            s += 2
            if has(members, name), !isValid(target, at: whole, depth + 1) { return false }
        }
        return true
    }

    private func array(_ index: Int32, _ items: UnsafeBufferPointer<JSON>, _ depth: Int) -> Bool {
        let a = arrays.baseAddress! + Int(index)
        if items.count < a.pointee.minItems || items.count > a.pointee.maxItems { return false }
        let tuple = a.pointee.tuple.range
        for (k, i) in tuple.enumerated() where k < items.count {
            if !isValid(lists[i], at: items.baseAddress! + k, depth + 1) { return false }
        }
        if a.pointee.items >= 0, items.count > a.pointee.itemsStart {
            for k in a.pointee.itemsStart..<items.count where !isValid(a.pointee.items, at: items.baseAddress! + k, depth + 1) { return false }
        }
        if a.pointee.contains >= 0 {
            var matched = 0
            for k in items.indices where isValid(a.pointee.contains, at: items.baseAddress! + k, depth + 1) {
                matched += 1
                if a.pointee.maxContains < 0, matched >= a.pointee.minContains { break }
            }
            if matched < a.pointee.minContains { return false }
            if a.pointee.maxContains >= 0, matched > a.pointee.maxContains { return false }
        }
        if a.pointee.unique, items.count > 1 {
            var seen = Set<JSON>(minimumCapacity: items.count)
            for item in items where !seen.insert(item).inserted { return false }
        }
        return true
    }

    private func string(_ index: Int32, _ s: String) -> Bool {
        let r = strings.baseAddress! + Int(index)
        let (minLength, maxLength) = (r.pointee.minLength, r.pointee.maxLength)
        if minLength > 0 || maxLength < Int.max {
            // Lengths count code points, of one to four UTF-8 bytes each: the byte count
            // (free for native strings) settles most cases without counting.
            let bytes = s.utf8.count
            let fewest = (bytes + 3) / 4
            if bytes < minLength || fewest > maxLength { return false }
            if bytes > maxLength || fewest < minLength {
                let length = s.unicodeScalars.count
                if length < minLength || length > maxLength { return false }
            }
        }
        for i in r.pointee.patterns.range where !patterns[Int(lists[i])].matches(s) { return false }
        for i in r.pointee.formats.range where Formats.check(names[Int(lists[i])], .string(s)) != nil { return false }
        return true
    }

    private func general(_ index: Int, _ value: UnsafePointer<JSON>, _ depth: Int) -> Bool {
        let g = generals.baseAddress! + index
        let range = g.pointee.nodes.range
        switch g.pointee.kind {
        case .enumeration:
            for i in range where values[i] == value.pointee { return true }
            return false
        case .constant:
            return values[range.lowerBound] == value.pointee
        case .allOf:
            for i in range where !isValid(lists[i], at: value, depth + 1) { return false }
            return true
        case .anyOf:
            for i in range where isValid(lists[i], at: value, depth + 1) { return true }
            return false
        case .oneOf:
            var matched = 0
            for i in range where isValid(lists[i], at: value, depth + 1) {
                matched += 1
                if matched > 1 { return false }
            }
            return matched == 1
        case .not:
            return !isValid(lists[range.lowerBound], at: value, depth + 1)
        case .conditional:
            // lists: if, then (-1: none), else (-1: none)
            let holds = isValid(lists[range.lowerBound], at: value, depth + 1)
            let branch = lists[range.lowerBound + (holds ? 1 : 2)]
            return branch < 0 || isValid(branch, at: value, depth + 1)
        }
    }

    /// The `nameHash` of the key at `key`; nil for a string without contiguous UTF-8
    /// (bridged), which `lookup` then compares as Strings.
    @inline(__always)
    private func hash(_ key: UnsafePointer<String>) -> UInt64? {
        key.pointee.utf8.withContiguousStorageIfAvailable { nameHash($0) }
    }

    /// The node for the property named by the key at `key` (whose `hash(_:)` is `hash`)
    /// in map `index`, or -1. The hash is taken once per member and serves every map.
    private func lookup(_ index: Int32, _ key: UnsafePointer<String>, hash: UInt64?) -> Int32 {
        guard let hash else { return slowLookup(index, key.pointee) }
        let map = maps.baseAddress! + Int(index)
        let count = key.pointee.utf8.count
        if map.pointee.slots.count == 0 {
            for i in map.pointee.entries.range {
                let record = nameRecords[Int(mapEntries[i].name)]
                if record.hash == hash, Int(record.count) == count, equal(key, record) { return mapEntries[i].node }
            }
            return -1
        }
        let mask = Int(map.pointee.slots.count) - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = mapSlots[Int(map.pointee.slots.start) + slot]
            if entry < 0 { return -1 }
            let e = mapEntries[Int(map.pointee.entries.start) + Int(entry)]
            let record = nameRecords[Int(e.name)]
            if record.hash == hash, Int(record.count) == count, equal(key, record) { return e.node }
            slot = (slot + 1) & mask
        }
    }

    private func equal(_ key: UnsafePointer<String>, _ record: NameRecord) -> Bool {
        key.pointee.utf8.withContiguousStorageIfAvailable { equal($0, record) } ?? false
    }

    /// `lookup` for a string without contiguous UTF-8 (bridged): compared as Strings.
    private func slowLookup(_ index: Int32, _ name: String) -> Int32 {
        let map = maps.baseAddress! + Int(index)
        for i in map.pointee.entries.range where names[Int(mapEntries[i].name)].utf8Equal(name) { return mapEntries[i].node }
        return -1
    }
}

/// The value of member `m`, in place.
@inline(__always)
private func value(_ members: UnsafeBufferPointer<JSONObject.Element>, _ m: Int) -> UnsafePointer<JSON> {
    (members.baseAddress! + m).pointer(to: \.value)!
}

/// The key of member `m`, in place.
@inline(__always)
private func key(_ members: UnsafeBufferPointer<JSONObject.Element>, _ m: Int) -> UnsafePointer<String> {
    (members.baseAddress! + m).pointer(to: \.key)!
}

struct NameRecord {
    var start: Int32
    var count: Int32
    var hash: UInt64
}

/// FNV-1a over the UTF-8 bytes: property names are short, and SipHash (String's own
/// hashing) cost more than the rest of a lookup.
@inline(__always)
func nameHash(_ name: String) -> UInt64 {
    name.utf8.withContiguousStorageIfAvailable { nameHash($0) } ?? nameHash(Array(name.utf8))
}

func nameHash(_ bytes: some Collection<UInt8>) -> UInt64 {
    bytes.withContiguousStorageIfAvailable { nameHash($0) } ?? Array(bytes).withUnsafeBufferPointer { nameHash($0) }
}

/// A hash of a property name, eight bytes at a time (names are short; FNV's byte-serial
/// multiply chain was most of a lookup).
@inline(__always)
func nameHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let k: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h = UInt64(bytes.count) &* k
    guard let base = bytes.baseAddress else { return h }
    let raw = UnsafeRawPointer(base)
    var i = 0
    while i + 8 <= bytes.count {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
        h ^= h >> 32
        i += 8
    }
    if i < bytes.count {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(base[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* k
    }
    return h ^ (h >> 29)
}

private func freeze<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
    _ = buffer.initialize(from: array)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
}

private func release<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
    buffer.deinitialize()
    // `rebasing` kept the allocation's start: deallocate from it.
    UnsafeMutableBufferPointer(start: buffer.baseAddress, count: max(buffer.count, 1)).deallocate()
}

/// A range of a buffer, as two 32-bit numbers.
struct Span {
    var start: Int32 = 0
    var count: Int32 = 0
    var range: Range<Int> { Int(start)..<Int(start + count) }
}

struct NodeRecord {
    /// -1: not a boolean schema; 0: false; 1: true.
    var constant: Int8 = -1
    /// TypeSet's raw value; 0: any type.
    var types: UInt8 = 0
    var object: Int32 = -1
    var array: Int32 = -1
    var string: Int32 = -1
    var numbers = Span()
    var generals = Span()
    /// Node indices in `lists`.
    var refs = Span()
}

struct ObjectRecord {
    var properties: Int32 = -1
    /// Pairs (pattern index, node index) in `lists`.
    var patterns = Span()
    var additional: Int32 = -1
    /// The names `additional` does not apply to (a map), or -1.
    var known: Int32 = -1
    /// Name indices in `lists`.
    var required = Span()
    var minProperties = 0
    var maxProperties = Int.max
    /// Triples (name, first, count) in `lists`, the required names in `lists` too.
    var dependentRequired = Span()
    /// Pairs (name, node) in `lists`.
    var dependentSchemas = Span()
    var propertyNames: Int32 = -1
    var visitsMembers: Bool { properties >= 0 || patterns.count > 0 || additional >= 0 || propertyNames >= 0 }
}

struct ArrayRecord {
    var minItems = 0
    var maxItems = Int.max
    var unique = false
    /// Node indices in `lists`.
    var tuple = Span()
    var items: Int32 = -1
    var itemsStart = 0
    var contains: Int32 = -1
    var minContains = 1
    /// -1: no maximum.
    var maxContains = -1
}

struct StringRecord {
    var minLength = 0
    var maxLength = Int.max
    /// Pattern indices in `lists`.
    var patterns = Span()
    /// Name indices (format names) in `lists`.
    var formats = Span()
}

struct NumberRecord {
    enum Kind { case multipleOf, maximum, exclusiveMaximum, minimum, exclusiveMinimum }
    var kind: Kind
    var number: Int

    func isValid(_ n: JSONNumber, _ numbers: UnsafeMutableBufferPointer<JSONNumber>) -> Bool {
        switch kind {
        case .multipleOf: n.isMultiple(of: numbers[number])
        case .maximum: n <= numbers[number]
        case .exclusiveMaximum: n < numbers[number]
        case .minimum: n >= numbers[number]
        case .exclusiveMinimum: n > numbers[number]
        }
    }
}

struct GeneralRecord {
    enum Kind { case enumeration, constant, allOf, anyOf, oneOf, not, conditional }
    var kind: Kind
    /// Values (enumeration, constant) or node indices in `lists` (the others).
    var nodes: Span
}

struct MapEntry {
    var name: Int32
    var node: Int32
}

struct MapRecord {
    /// Entries in `mapEntries`.
    var entries = Span()
    /// Open-addressing slots (entry offsets, -1 empty) in `mapSlots`; none for small maps,
    /// which are scanned.
    var slots = Span()
}

/// Builds the fast path from compiled nodes; nil when the schema needs what it lacks.
struct FastPathBuilder {
    var nodes: [NodeRecord] = []
    var objects: [ObjectRecord] = []
    var arrays: [ArrayRecord] = []
    var strings: [StringRecord] = []
    var generals: [GeneralRecord] = []
    var numberChecks: [NumberRecord] = []
    var lists: [Int32] = []
    var names: [String] = []
    var maps: [MapRecord] = []
    var mapEntries: [MapEntry] = []
    var mapSlots: [Int32] = []
    var patterns: [Pattern] = []
    var values: [JSON] = []
    var numbers: [JSONNumber] = []

    private var built: [ObjectIdentifier: Int32] = [:]
    private var nameIndex: [String: Int32] = [:]
    private var unsupported = false

    static func build(_ root: SchemaNode) -> FastPath? {
        var builder = FastPathBuilder()
        _ = builder.node(root)
        return builder.unsupported ? nil : FastPath(builder)
    }

    /// The index of `source`'s record, converted on first use (registered before its
    /// keywords, so a recursive $ref finds it).
    private mutating func node(_ source: SchemaNode) -> Int32 {
        if let done = built[ObjectIdentifier(source)] { return done }
        let index = Int32(nodes.count)
        built[ObjectIdentifier(source)] = index
        nodes.append(NodeRecord())
        if let constant = source.constant {
            nodes[Int(index)].constant = constant ? 1 : 0
            return index
        }
        if source.needsAnnotations { unsupported = true }
        var record = NodeRecord()
        var object: ObjectRecord?
        var array: ArrayRecord?
        var string: StringRecord?
        var refs: [Int32] = []
        var numberList: [NumberRecord] = []
        var generalList: [GeneralRecord] = []
        for keyword in source.keywords {
            switch keyword.kind {
            case .ref(let target): refs.append(node(target))
            case .dynamicRef, .unevaluatedProperties, .unevaluatedItems: unsupported = true
            case .type(let types): record.types = record.types == 0 ? types.rawValue : record.types & types.rawValue
                if record.types == 0 { record.constant = 0 }  // no type can match
            case .enumeration(let list): generalList.append(GeneralRecord(kind: .enumeration, nodes: valueSpan(list)))
            case .constant(let value): generalList.append(GeneralRecord(kind: .constant, nodes: valueSpan([value])))
            case .multipleOf(let n): numberList.append(NumberRecord(kind: .multipleOf, number: number(n)))
            case .maximum(let n): numberList.append(NumberRecord(kind: .maximum, number: number(n)))
            case .exclusiveMaximum(let n): numberList.append(NumberRecord(kind: .exclusiveMaximum, number: number(n)))
            case .minimum(let n): numberList.append(NumberRecord(kind: .minimum, number: number(n)))
            case .exclusiveMinimum(let n): numberList.append(NumberRecord(kind: .exclusiveMinimum, number: number(n)))
            case .maxLength(let n): string = string ?? StringRecord(); string!.maxLength = min(string!.maxLength, n)
            case .minLength(let n): string = string ?? StringRecord(); string!.minLength = max(string!.minLength, n)
            case .pattern(let p):
                string = string ?? StringRecord()
                string!.patterns = append(string!.patterns, [pattern(p)])
            case .format(let name, _):
                string = string ?? StringRecord()
                string!.formats = append(string!.formats, [self.name(name)])
            case .items(let target, let start):
                array = array ?? ArrayRecord()
                (array!.items, array!.itemsStart) = (node(target), start)
            case .tuple(let targets):
                array = array ?? ArrayRecord()
                array!.tuple = list(targets.map { node($0) })
            case .contains(let target, let minimum, let maximum):
                array = array ?? ArrayRecord()
                (array!.contains, array!.minContains, array!.maxContains) = (node(target), minimum, maximum ?? -1)
            case .maxItems(let n): array = array ?? ArrayRecord(); array!.maxItems = min(array!.maxItems, n)
            case .minItems(let n): array = array ?? ArrayRecord(); array!.minItems = max(array!.minItems, n)
            case .uniqueItems: array = array ?? ArrayRecord(); array!.unique = true
            case .properties(let map):
                object = object ?? ObjectRecord()
                object!.properties = self.map(map.pairs.map { ($0.0, node($0.1)) })
            case .patternProperties(let pairs):
                object = object ?? ObjectRecord()
                object!.patterns = list(pairs.flatMap { [pattern($0.0), node($0.1)] })
            case .additionalProperties(let target, let known, _):
                object = object ?? ObjectRecord()
                object!.additional = node(target)
                object!.known = self.map(known.pairs.map { ($0.0, 0) })
            case .required(let required):
                object = object ?? ObjectRecord()
                object!.required = append(object!.required, required.map { name($0) })
            case .dependentRequired(let dependencies):
                object = object ?? ObjectRecord()
                var triples: [Int32] = []
                for (name, others) in dependencies {
                    let inner = list(others.map { self.name($0) })
                    triples += [self.name(name), inner.start, inner.count]
                }
                object!.dependentRequired = append(object!.dependentRequired, triples)
            case .dependentSchemas(let dependencies):
                object = object ?? ObjectRecord()
                object!.dependentSchemas = append(object!.dependentSchemas, dependencies.flatMap { [name($0.0), node($0.1)] })
            case .propertyNames(let target):
                object = object ?? ObjectRecord()
                object!.propertyNames = node(target)
            case .maxProperties(let n): object = object ?? ObjectRecord(); object!.maxProperties = min(object!.maxProperties, n)
            case .minProperties(let n): object = object ?? ObjectRecord(); object!.minProperties = max(object!.minProperties, n)
            case .allOf(let targets): generalList.append(GeneralRecord(kind: .allOf, nodes: list(targets.map { node($0) })))
            case .anyOf(let targets): generalList.append(GeneralRecord(kind: .anyOf, nodes: list(targets.map { node($0) })))
            case .oneOf(let targets): generalList.append(GeneralRecord(kind: .oneOf, nodes: list(targets.map { node($0) })))
            case .not(let target): generalList.append(GeneralRecord(kind: .not, nodes: list([node(target)])))
            case .conditional(let condition, let then, let otherwise):
                var parts: [Int32] = [node(condition)]
                for branch in [then, otherwise] {
                    if let branch { parts.append(node(branch)) } else { parts.append(-1) }
                }
                generalList.append(GeneralRecord(kind: .conditional, nodes: list(parts)))
            }
        }
        if let object { record.object = Int32(objects.count); objects.append(object) }
        if let array { record.array = Int32(arrays.count); arrays.append(array) }
        if let string { record.string = Int32(strings.count); strings.append(string) }
        record.refs = list(refs)
        record.numbers = Span(start: Int32(numberChecks.count), count: Int32(numberList.count))
        numberChecks += numberList
        record.generals = Span(start: Int32(generals.count), count: Int32(generalList.count))
        generals += generalList
        nodes[Int(index)] = record
        return index
    }

    /// `items` appended to `lists`, as a span.
    private mutating func list(_ items: [Int32]) -> Span {
        let span = Span(start: Int32(lists.count), count: Int32(items.count))
        lists += items
        return span
    }

    /// A span extended by `items`: the old items are copied so the span stays contiguous.
    private mutating func append(_ span: Span, _ items: [Int32]) -> Span {
        list(span.range.map { lists[$0] } + items)
    }

    private mutating func name(_ text: String) -> Int32 {
        if let index = nameIndex[text] { return index }
        let index = Int32(names.count)
        names.append(text)
        nameIndex[text] = index
        return index
    }

    private mutating func pattern(_ p: Pattern) -> Int32 {
        patterns.append(p)
        return Int32(patterns.count - 1)
    }

    private mutating func number(_ n: JSONNumber) -> Int {
        numbers.append(n)
        return numbers.count - 1
    }

    private mutating func valueSpan(_ list: [JSON]) -> Span {
        let span = Span(start: Int32(values.count), count: Int32(list.count))
        values += list
        return span
    }

    /// A property map: scanned when small, else hashed with `nameHash`.
    private mutating func map(_ pairs: [(String, Int32)]) -> Int32 {
        var record = MapRecord(entries: Span(start: Int32(mapEntries.count), count: Int32(pairs.count)))
        mapEntries += pairs.map { MapEntry(name: name($0.0), node: $0.1) }
        if pairs.count > 8 {
            var size = 16
            while size < pairs.count * 2 { size *= 2 }
            var slots = [Int32](repeating: -1, count: size)
            for (offset, pair) in pairs.enumerated() {
                var slot = Int(truncatingIfNeeded: nameHash(pair.0)) & (size - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slots[slot] = Int32(offset)
            }
            record.slots = Span(start: Int32(mapSlots.count), count: Int32(size))
            mapSlots += slots
        }
        maps.append(record)
        return Int32(maps.count - 1)
    }
}
