import BulwarkJSON

/// A resource as Karbor names it: `{type, id, name, extra_info}`. Two resources are the
/// same node of a graph when their type and id match, scalar for scalar: ids are
/// identities (paths, UUIDs, names), so "é" and "e\u{301}" are two resources, never one
/// by Swift's canonical `String` equality.
public struct Resource: Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var id: String
    public var name: String
    public var extraInfo: JSONObject?

    public init(type: String, id: String, name: String, extraInfo: JSONObject? = nil) {
        self.type = type
        self.id = id
        self.name = name
        self.extraInfo = extraInfo
    }

    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public var type: String
        public var id: String
        public init(type: String, id: String) {
            self.type = type
            self.id = id
        }
        public var description: String { "\(type)#\(id)" }
        public static func == (a: Key, b: Key) -> Bool { a.type.utf8Equal(b.type) && a.id.utf8Equal(b.id) }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(ExactString(type))
            hasher.combine(ExactString(id))
        }
    }

    public static func == (a: Resource, b: Resource) -> Bool {
        a.key == b.key && a.name.utf8Equal(b.name) && a.extraInfo == b.extraInfo
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    public var key: Key { Key(type: type, id: id) }
    public var description: String { "\(type) \(id)\(name.isEmpty || name == id ? "" : " (\(name))")" }

    /// Read from JSON; `origin` names where it came from, for the error.
    public init(json: JSON, origin: String) throws(EngineError) {
        guard case .object(let o) = json else { throw EngineError("\(origin): a resource must be an object, got \(json.typeName)") }
        guard let type = o["type"]?.stringValue, !type.isEmpty else { throw EngineError("\(origin): resource has no \"type\" string") }
        guard let id = o["id"]?.stringValue, !id.isEmpty else { throw EngineError("\(origin): resource of type \(type) has no \"id\" string") }
        self.type = type
        self.id = id
        name = o["name"]?.stringValue ?? ""
        switch o["extra_info"] {
        case nil, .null?: extraInfo = nil
        case .object(let info)?: extraInfo = info
        case let other?: throw EngineError("\(origin): resource \(type) \(id): extra_info must be an object, got \(other.typeName)")
        }
    }

    public var json: JSON {
        var o = JSONObject()
        o["type"] = .string(type)
        o["id"] = .string(id)
        o["name"] = .string(name)
        if let extraInfo { o["extra_info"] = .object(extraInfo) }
        return .object(o)
    }

    /// The id as one bank key part: ids made of A-Z a-z 0-9 _ . - stay as they are; any
    /// other id is written as "@" and the hex of its UTF-8 bytes (unambiguous, since plain
    /// ids never contain "@").
    public var bankName: String {
        let plain = !id.isEmpty && id != "." && id != ".." && id.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 46 || $0 == 45
        }
        if plain { return id }
        return "@" + id.utf8.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// An error of the engine, shown to the user as it is.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that answer differently (the API's status codes).
    public enum Kind: Sendable, Equatable {
        /// The caller's input: a plan, parameters, an id that cannot be one.
        case invalid
        /// No such checkpoint (or not this provider's).
        case notFound
        /// The checkpoint is in a state that does not allow it.
        case conflict
        /// The bank or a plugin failed.
        case unavailable
        case failed
    }
    public var kind: Kind
    public var message: String
    public init(_ message: String, kind: Kind = .failed) {
        self.message = message
        self.kind = kind
    }
    public init(kind: Kind, _ message: String) { self.init(message, kind: kind) }
    public var description: String { message }
}
