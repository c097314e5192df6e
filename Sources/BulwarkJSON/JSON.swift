/// A JSON value.
///
/// Numbers keep their exact value (see ``JSONNumber``), objects keep their members'
/// order for output but compare and hash without regard to it, as JSON's data model says.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

extension JSON {
    /// JSON equality: strings compare by code points (Swift's `String ==` would treat
    /// "é" and "e\u{301}" as equal), numbers by value, objects without regard to order.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a.utf8Equal(b)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .number(let n): hasher.combine(2); hasher.combine(n)
        case .string(let s):
            hasher.combine(3)
            for byte in s.utf8 { hasher.combine(byte) }
        case .array(let a): hasher.combine(4); hasher.combine(a)
        case .object(let o): hasher.combine(5); hasher.combine(o)
        }
    }

    /// The JSON Schema name of this value's type: null, boolean, number, string, array,
    /// object. (Integers report "number"; ask ``JSONNumber/isInteger`` for more.)
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// This object with member `key` set to `value` (removed when `value` is nil); any
    /// other value unchanged.
    public func setting(_ key: String, _ value: JSON?) -> JSON {
        guard case .object(var o) = self else { return self }
        o[key] = value
        return .object(o)
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}

extension JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { serialized() }
}

extension JSON {
    /// The members of the object stored at `value`, in place, or nil when it holds no
    /// object; likewise `unsafeItems(at:)` for arrays.
    ///
    /// For walks over a document that must not copy each nested value (a copy retains
    /// its storage, an atomic operation per object or array visited; a schema validator
    /// visits them all). The buffer stays valid only while the value at `value` is alive
    /// and unchanged: the caller keeps the document alive and does not mutate it.
    @inlinable
    public static func unsafeMembers(at value: UnsafePointer<JSON>) -> UnsafeBufferPointer<JSONObject.Element>? {
        // Nothing opaque happens while the payload is bound, so the optimiser reads it in
        // place instead of retaining and releasing it.
        guard case .object(let object) = value.pointee else { return nil }
        return object.withMembers { $0 }
    }

    /// The items of the array stored at `value`, in place; see `unsafeMembers(at:)`.
    @inlinable
    public static func unsafeItems(at value: UnsafePointer<JSON>) -> UnsafeBufferPointer<JSON>? {
        guard case .array(let items) = value.pointee else { return nil }
        return items.withUnsafeBufferPointer { $0 }
    }
}
