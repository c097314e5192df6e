import BulwarkJSON

/// A restore as the local state database keeps it.
public struct RestoreRecord: Sendable {
    public enum Status: String, Sendable { case inProgress = "in_progress", success, fail }

    public var id: String
    public var providerID: String
    public var checkpointID: String
    public var status: Status
    public var parameters: JSON
    /// By `type#id`: {"status": "restored"|"error", "reason"?, "new_id"?}.
    public var resources: JSONObject
    /// Original id -> new id.
    public var newResources: [ExactString: String]
    public var error: String?
    public var createdAt: Double
    public var updatedAt: Double

    public var json: JSON {
        var map = JSONObject()
        for (old, new) in newResources.sorted(by: { Array($0.key.value.utf8).lexicographicallyPrecedes($1.key.value.utf8) }) { map[old.value] = .string(new) }
        var o = JSONObject([
            ("id", .string(id)), ("provider_id", .string(providerID)), ("checkpoint_id", .string(checkpointID)),
            ("status", .string(status.rawValue)), ("parameters", parameters), ("resources_status", .object(resources)),
            ("new_resources", .object(map)), ("created_at", .number(JSONNumber(createdAt))), ("updated_at", .number(JSONNumber(updatedAt))),
        ])
        if let error { o["error"] = .string(error) }
        return .object(o)
    }
}
