import BulwarkJSON

/// A restore, or a verification, as the catalog keeps it.
public struct RestoreRecord: Sendable {
    public enum Status: String, Sendable { case inProgress = "in_progress", success, fail }
    /// Restores and verifications share their record: both run a checkpoint's graph and
    /// report per-resource results.
    public enum Kind: String, Sendable { case restore, verification }

    public var id: String
    public var kind: Kind
    public var projectID: String
    public var providerID: String
    public var checkpointID: String
    public var status: Status
    public var parameters: JSON
    /// Where to restore to (Karbor's `restore_target`, a Keystone URL), nil for here.
    public var restoreTarget: String?
    /// By `type#id`: {"status": "restored"|"verified"|"error", "reason"?, "new_id"?}.
    public var resources: JSONObject
    /// Original id -> new id.
    public var newResources: [ExactString: String]
    public var error: String?
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String, kind: Kind = .restore, projectID: String = "default", providerID: String, checkpointID: String,
                status: Status, parameters: JSON, restoreTarget: String? = nil, resources: JSONObject = JSONObject(),
                newResources: [ExactString: String] = [:], error: String? = nil, createdAt: Double, updatedAt: Double) {
        self.id = id
        self.kind = kind
        self.projectID = projectID
        self.providerID = providerID
        self.checkpointID = checkpointID
        self.status = status
        self.parameters = parameters
        self.restoreTarget = restoreTarget
        self.resources = resources
        self.newResources = newResources
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Karbor's restore (or verification) object, with Bulwark's details besides:
    /// `resources_status` and `resources_reason` by `type#id` as Karbor's, and
    /// `resources` (each result whole), `new_resources`, `error`.
    public var json: JSON {
        var map = JSONObject()
        for (old, new) in newResources.sorted(by: { Array($0.key.value.utf8).lexicographicallyPrecedes($1.key.value.utf8) }) { map[old.value] = .string(new) }
        var statuses = JSONObject()
        var reasons = JSONObject()
        for (key, value) in resources {
            statuses[key] = value["status"] ?? .null
            if let reason = value["reason"] { reasons[key] = reason }
        }
        var o = JSONObject([
            ("id", .string(id)), ("project_id", .string(projectID)), ("provider_id", .string(providerID)),
            ("checkpoint_id", .string(checkpointID)), ("restore_target", restoreTarget.map { .string($0) } ?? .null),
            ("parameters", parameters), ("status", .string(status.rawValue)), ("resources_status", .object(statuses)),
            ("resources_reason", .object(reasons)), ("resources", .object(resources)),
            ("new_resources", .object(map)), ("created_at", .string(CatalogTime.text(createdAt))),
            ("updated_at", .string(CatalogTime.text(updatedAt))),
        ])
        if let error { o["error"] = .string(error) }
        return .object(o)
    }
}
