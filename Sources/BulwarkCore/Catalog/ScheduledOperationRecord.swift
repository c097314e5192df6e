import BulwarkJSON
import Foundation

/// A scheduled operation as the catalog keeps it: Karbor's `scheduled_operation`, with
/// `enabled` (pause and resume) and when it was last resumed (fire times before that do
/// not run).
public struct ScheduledOperationRecord: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case protect
        case retentionProtect = "retention_protect"
    }

    public var id: String
    public var projectID: String
    public var name: String
    public var description: String
    public var operationType: Kind
    public var triggerID: String
    /// `provider_id`, `plan_id` and the retention keys, as strings (Karbor's client sends
    /// them so).
    public var definition: [(String, String)]
    public var enabled: Bool
    /// When it was created or last resumed: it fires only after this.
    public var activeSince: Double
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String = UUID().uuidString.lowercased(), projectID: String, name: String, description: String = "",
                operationType: Kind, triggerID: String, definition: [(String, String)], enabled: Bool = true,
                activeSince: Double? = nil, createdAt: Double = Date().timeIntervalSince1970, updatedAt: Double? = nil) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.description = description
        self.operationType = operationType
        self.triggerID = triggerID
        self.definition = definition
        self.enabled = enabled
        self.activeSince = activeSince ?? createdAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    public var definitionMap: [String: String] { Dictionary(definition, uniquingKeysWith: { _, last in last }) }
    public var planID: String { definitionMap["plan_id"] ?? "" }
    public var providerID: String { definitionMap["provider_id"] ?? "" }

    var definitionJSON: JSON { .object(JSONObject(definition.map { ($0.0, JSON.string($0.1)) })) }

    /// Karbor's scheduled operation.
    public var json: JSON {
        .object(JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("description", .string(description)),
            ("operation_type", .string(operationType.rawValue)), ("trigger_id", .string(triggerID)),
            ("operation_definition", definitionJSON), ("enabled", .bool(enabled)), ("project_id", .string(projectID)),
            ("created_at", .string(CatalogTime.text(createdAt))), ("updated_at", .string(CatalogTime.text(updatedAt))),
        ]))
    }
}

/// One fire of a scheduled operation, recorded before its operation starts: the pair
/// (scheduled operation, fire time) is unique, so a fire is claimed once, by one server,
/// and a restart knows where each schedule stopped.
public struct ScheduleFire: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// Its operation was started.
        case started
        /// The operation's previous run was still going.
        case skipped
        /// Its window had closed before the server could start it (it was not running).
        case missed
    }
    public var scheduledOperationID: String
    /// The fire time (seconds since the epoch).
    public var fireTime: Int64
    public var outcome: Outcome
    public var detail: String?

    public init(scheduledOperationID: String, fireTime: Int64, outcome: Outcome, detail: String? = nil) {
        self.scheduledOperationID = scheduledOperationID
        self.fireTime = fireTime
        self.outcome = outcome
        self.detail = detail
    }
}
