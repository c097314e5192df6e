import BulwarkJSON
import Foundation

/// One operation (protect, delete, restore, verify), manual or scheduled, as Karbor's
/// operation logs record it. Its status follows the operation's own words: protect
/// `protecting` -> `available` | `error`; delete `deleting` -> `deleted` | `error`;
/// restore and verify `in_progress` -> `success` | `fail`.
public struct OperationLog: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case protect, delete, restore, verify }

    public var id: String
    public var projectID: String
    public var operationType: Kind
    public var providerID: String
    public var checkpointID: String?
    public var planID: String?
    public var restoreID: String?
    public var verificationID: String?
    public var scheduledOperationID: String?
    public var status: String
    public var startedAt: Double
    public var endedAt: Double?
    public var errorInfo: String?
    public var extraInfo: JSONObject
    /// The server (or CLI) process running it, while it runs: its logs are failed when
    /// that instance's heartbeat stops.
    public var ownerInstance: String?

    public init(id: String = UUID().uuidString.lowercased(), projectID: String, operationType: Kind, providerID: String,
                checkpointID: String? = nil, planID: String? = nil, restoreID: String? = nil, verificationID: String? = nil,
                scheduledOperationID: String? = nil, status: String? = nil, startedAt: Double = Date().timeIntervalSince1970,
                extraInfo: JSONObject = JSONObject(), ownerInstance: String? = nil) {
        self.id = id
        self.projectID = projectID
        self.operationType = operationType
        self.providerID = providerID
        self.checkpointID = checkpointID
        self.planID = planID
        self.restoreID = restoreID
        self.verificationID = verificationID
        self.scheduledOperationID = scheduledOperationID
        self.status = status ?? operationType.runningStatus
        self.startedAt = startedAt
        self.extraInfo = extraInfo
        self.ownerInstance = ownerInstance
    }

    /// Record the end: `failure` nil is success.
    public mutating func end(failure: String?, at time: Double = Date().timeIntervalSince1970) {
        status = failure == nil ? operationType.successStatus : operationType.failureStatus
        errorInfo = failure
        endedAt = time
        ownerInstance = nil
    }

    public var isRunning: Bool { status == operationType.runningStatus }

    public var json: JSON {
        func text(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
        return .object(JSONObject([
            ("id", .string(id)), ("project_id", .string(projectID)), ("operation_type", .string(operationType.rawValue)),
            ("checkpoint_id", text(checkpointID)), ("plan_id", text(planID)), ("provider_id", .string(providerID)),
            ("restore_id", text(restoreID)), ("verification_id", text(verificationID)),
            ("scheduled_operation_id", text(scheduledOperationID)), ("status", .string(status)),
            ("started_at", .string(CatalogTime.text(startedAt))), ("ended_at", text(endedAt.map(CatalogTime.text))),
            ("error_info", text(errorInfo)), ("extra_info", .object(extraInfo)),
        ]))
    }
}

extension OperationLog.Kind {
    public var runningStatus: String {
        switch self {
        case .protect: "protecting"
        case .delete: "deleting"
        case .restore, .verify: "in_progress"
        }
    }
    public var successStatus: String {
        switch self {
        case .protect: "available"
        case .delete: "deleted"
        case .restore, .verify: "success"
        }
    }
    public var failureStatus: String {
        switch self {
        case .protect, .delete: "error"
        case .restore, .verify: "fail"
        }
    }
}

/// A service row, as Karbor's os-services shows it.
public struct ServiceRecord: Sendable {
    public var id: Int
    public var host: String
    public var binary: String
    public var enabled: Bool
    public var disabledReason: String?
    /// When its heartbeat was last renewed (Unix seconds).
    public var heartbeatAt: Double
    public var createdAt: Double

    public func json(upWithin seconds: Double, now: Double = Date().timeIntervalSince1970) -> JSON {
        .object(JSONObject([
            ("id", .number(JSONNumber(Double(id)))), ("binary", .string(binary)), ("host", .string(host)),
            ("status", .string(enabled ? "enabled" : "disabled")), ("state", .string(now - heartbeatAt <= seconds ? "up" : "down")),
            ("updated_at", .string(CatalogTime.text(heartbeatAt))), ("disabled_reason", disabledReason.map { .string($0) } ?? .null),
        ]))
    }
}
