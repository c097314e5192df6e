import BulwarkJSON

/// One compiled subschema. Nodes form a graph (refs make cycles); they are created
/// first and filled after, so a recursive reference finds its target. Immutable once the
/// compiler returns, hence safe to share between threads.
final class SchemaNode: @unchecked Sendable {
    /// `true`/`false` schemas.
    var constant: Bool?
    var keywords: [CompiledKeyword] = []
    /// The schema resource (base URI, interned by the compiler) this node belongs to: the
    /// dynamic scope is a stack of these.
    var resource = 0
    /// The node has unevaluatedProperties/unevaluatedItems, so its in-place subschemas
    /// must report what they evaluated.
    var needsAnnotations = false
    /// `"writeOnly": true`: the value is a secret (a password, a key), so no message
    /// about it may show it.
    var secret = false
    let location: String

    init(location: String) { self.location = location }
}

/// Every node of one compiled schema. `$ref`s make cycles among nodes, which reference
/// counting alone never frees (fuzzing found each recursive schema compiled leaking its
/// graph): when the last copy of the schema, or a compilation that failed, lets go of
/// this, the nodes' keywords are dropped and the cycles with them.
final class SchemaNodes: @unchecked Sendable {
    // @unchecked: the nodes are immutable while shared; only deinit, when no one else
    // can reach them, changes them.
    private let nodes: [SchemaNode]

    init(_ nodes: [SchemaNode]) { self.nodes = nodes }

    deinit {
        for node in nodes { node.keywords = [] }
    }
}

/// A class, not a struct: evaluating a node walks its keywords, and copying a struct
/// holding a multi-payload enum cost a retain/release per payload per keyword.
final class CompiledKeyword: @unchecked Sendable {
    let name: String
    let kind: Keyword

    init(name: String, kind: Keyword) {
        self.name = name
        self.kind = kind
    }
}

/// The JSON types as a bit set, for `type`.
struct TypeSet: OptionSet {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array),
        ("number", .number), ("string", .string), ("integer", .integer),
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        guard let t = TypeSet.names.first(where: { $0.0 == name })?.1 else { return nil }
        self = t
    }

    func matches(_ value: JSON) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .object: contains(.object)
        case .array: contains(.array)
        case .string: contains(.string)
        case .number(let n): contains(.number) || (contains(.integer) && n.isInteger)
        }
    }

    /// "a string or null": made once per set of types, not per message.
    var description: String { TypeSet.descriptions[Int(rawValue)] }

    private static let descriptions: [String] = (0..<128).map { TypeSet(rawValue: UInt8($0)).describe() }

    private func describe() -> String {
        // null reads best last: "a string or null".
        let names = (TypeSet.names.dropFirst() + TypeSet.names.prefix(1)).filter { contains($0.1) }.map { article($0.0) }
        if names.count <= 1 { return names.first ?? "no type" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

func article(_ type: String) -> String {
    switch type {
    case "null": "null"
    case "array", "object", "integer": "an \(type)"
    default: "a \(type)"
    }
}

enum Keyword {
    case ref(SchemaNode)
    /// `$dynamicRef`: the statically resolved node, and the anchor name when the dynamic
    /// scope must be searched.
    case dynamicRef(SchemaNode, anchor: String?)
    case type(TypeSet)
    case enumeration([JSON])
    case constant(JSON)
    case multipleOf(JSONNumber)
    case maximum(JSONNumber)
    case exclusiveMaximum(JSONNumber)
    case minimum(JSONNumber)
    case exclusiveMinimum(JSONNumber)
    case maxLength(Int)
    case minLength(Int)
    case pattern(Pattern)
    case format(String, assert: Bool)
    /// A schema for every item from `start` on (`items` after `prefixItems`, draft 4-7
    /// `items` object form, or `additionalItems` after an `items` array).
    case items(SchemaNode, start: Int)
    /// Positional schemas (`prefixItems`, or the array form of draft 4-7 `items`).
    case tuple([SchemaNode])
    case contains(SchemaNode, min: Int, max: Int?)
    case maxItems(Int)
    case minItems(Int)
    case uniqueItems
    case properties(NameMap<SchemaNode>)
    case patternProperties([(Pattern, SchemaNode)])
    case additionalProperties(SchemaNode, known: NameMap<Void>, patterns: [Pattern])
    case required([String])
    case dependentRequired([(String, [String])])
    case dependentSchemas([(String, SchemaNode)])
    case propertyNames(SchemaNode)
    case maxProperties(Int)
    case minProperties(Int)
    case allOf([SchemaNode])
    case anyOf([SchemaNode])
    case oneOf([SchemaNode])
    case not(SchemaNode)
    case conditional(if: SchemaNode, then: SchemaNode?, else: SchemaNode?)
    case unevaluatedProperties(SchemaNode)
    case unevaluatedItems(SchemaNode)
}

/// Values by property name: a linear scan for a few names (faster than hashing), a hash
/// table for many.
struct NameMap<Value> {
    private let names: [String]
    private let values: [Value]
    private let index: [String: Int]?

    init(_ pairs: [(String, Value)]) {
        names = pairs.map(\.0)
        values = pairs.map(\.1)
        index = pairs.count > 8 ? Dictionary(pairs.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { a, _ in a }) : nil
    }

    var pairs: [(String, Value)] { zip(names, values).map { ($0, $1) } }

    subscript(name: String) -> Value? {
        if let index { return index[name].map { values[$0] } }
        for i in names.indices where names[i].utf8Equal(name) { return values[i] }
        return nil
    }
}
