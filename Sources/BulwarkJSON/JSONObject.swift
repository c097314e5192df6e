/// A JSON object: members in insertion order, looked up by key.
///
/// Members live in one array, iterated without allocation; objects of more than sixteen
/// members also keep a hash index for lookup. Equality and hashing ignore the order, as
/// JSON's data model says `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same object.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection {
    public typealias Element = (key: String, value: JSON)

    // Inlinable storage and lookups: validators walk objects member by member, and a
    // call across the module boundary per member returned each one retained.
    @usableFromInline var entries: ContiguousArray<Element> = []
    @usableFromInline var index: [ExactString: Int]?

    static let indexThreshold = 16

    public init() {}

    public init(_ members: [(String, JSON)]) {
        entries.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// Members whose keys are known to be distinct, with their index when there are more
    /// than `indexThreshold` of them (the parser builds both as it reads).
    init(distinctMembers: ContiguousArray<Element>, index: [ExactString: Int]?) {
        entries = distinctMembers
        self.index = index
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { entries.count }
    @inlinable public var count: Int { entries.count }
    @inlinable public subscript(position: Int) -> Element { entries[position] }

    public var keys: [String] { entries.map(\.key) }

    @inlinable func position(of key: String) -> Int? {
        if let index { return index[ExactString(key)] }
        for i in entries.indices where entries[i].key.utf8Equal(key) { return i }
        return nil
    }

    public subscript(key: String) -> JSON? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let newValue {
                if let i = position(of: key) {
                    entries[i].value = newValue
                } else {
                    entries.append((key, newValue))
                    if index != nil {
                        index![ExactString(key)] = entries.count - 1
                    } else if entries.count > Self.indexThreshold {
                        rebuildIndex()
                    }
                }
            } else if let i = position(of: key) {
                entries.remove(at: i)
                if index != nil { rebuildIndex() }
            }
        }
    }

    private mutating func rebuildIndex() {
        var built: [ExactString: Int] = [:]
        built.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() { built[ExactString(entry.key)] = i }
        index = built
    }

    @inlinable public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// The members in place, for walks that must not copy (and retain) each one.
    @inlinable
    public func withMembers<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try entries.withUnsafeBufferPointer(body)
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (key, value) in lhs.entries {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var combined = 0
        for (key, value) in entries {
            var h = Hasher()
            for byte in key.utf8 { h.combine(byte) }
            h.combine(value)
            combined ^= h.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }
}
