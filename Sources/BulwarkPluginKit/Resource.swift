@_exported import BulwarkJSON

/// A resource as Karbor names it: `{type, id, name, extra_info}`.
public struct Resource: Sendable, Hashable {
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

    /// Read a resource from its JSON form; throws naming the missing or mistyped member.
    public init(json: JSON) throws(PluginError) {
        guard case .object(let o) = json else {
            throw .invalidArgument("a resource must be a JSON object, got \(json.typeName)")
        }
        func string(_ key: String) throws(PluginError) -> String {
            guard let s = o[key]?.stringValue else {
                throw .invalidArgument("resource member \"\(key)\" must be a string")
            }
            return s
        }
        type = try string("type")
        id = try string("id")
        name = o["name"]?.stringValue ?? ""
        switch o["extra_info"] {
        case nil, .null?: extraInfo = nil
        case .object(let info)?: extraInfo = info
        case let other?: throw .invalidArgument("resource member \"extra_info\" must be an object, got \(other.typeName)")
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
}
