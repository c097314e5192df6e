import BulwarkJSON

/// Statuses, as Karbor's.
public enum CheckpointStatus: String, Sendable {
    case protecting, available, error, deleting, deleted
    case errorDeleting = "error-deleting"
}

/// A checkpoint's index object (`/checkpoints/<id>/index.json`), with Karbor's fields:
/// version, id, status, owner_id, provider_id, project_id, protection_plan {id, name,
/// provider_id, resources}, resource_graph, extra_info, created_at (YYYY-MM-DD) and
/// timestamp (Unix seconds); plus `error` when it failed.
public struct Checkpoint: Sendable {
    public var json: JSON

    public var id: String { json["id"]?.stringValue ?? "" }
    public var status: String { json["status"]?.stringValue ?? "" }
    public var ownerID: String { json["owner_id"]?.stringValue ?? "" }
    public var providerID: String { json["provider_id"]?.stringValue ?? "" }
    public var projectID: String { json["project_id"]?.stringValue ?? "" }
    public var planID: String { json["protection_plan"]?["id"]?.stringValue ?? "" }
    public var planName: String { json["protection_plan"]?["name"]?.stringValue ?? "" }
    public var createdAt: String { json["created_at"]?.stringValue ?? "" }
    public var timestamp: Double { json["timestamp"]?.numberValue?.doubleValue ?? 0 }
    public var error: String? { json["error"]?.stringValue }

    public init(json: JSON) { self.json = json }

    mutating func set(_ key: String, _ value: JSON?) {
        guard case .object(var o) = json else { return }
        o[key] = value
        json = .object(o)
    }

    /// The index without the graph: what hooks are handed, and what lists show.
    public var summary: JSON {
        guard case .object(var o) = json else { return json }
        o["resource_graph"] = nil
        return .object(o)
    }

    public func graph() throws(EngineError) -> ResourceGraph {
        guard let g = json["resource_graph"] else { throw EngineError("checkpoint \(id) has no resource_graph") }
        return try ResourceGraph(json: g)
    }
}
