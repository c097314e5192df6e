import BulwarkJSON
import BulwarkSchema

/// The JSON Schemas every request body is checked against before a handler sees it: the
/// request components of the OpenAPI document (scripts/openapi.py), so that what the
/// document promises and what the server enforces cannot drift apart.
enum RequestSchemas {
    private static func component(_ name: String) -> JSONSchema {
        guard let schema = OpenAPIDocument.json["components"]?["schemas"]?[name] else {
            fatalError("the OpenAPI document has no component \(name)")
        }
        do { return try JSONSchema(schema) } catch { fatalError("the OpenAPI component \(name) does not compile: \(error)") }
    }

    static let planCreate = component("PlanCreate")
    static let planUpdate = component("PlanUpdate")
    static let checkpointCreate = component("CheckpointCreate")
    static let checkpointResetState = component("CheckpointResetState")
    static let restoreCreate = component("RestoreCreate")
    static let verificationCreate = component("VerificationCreate")
    static let serviceUpdate = component("ServiceUpdate")
    static let quotaUpdate = component("QuotaUpdate")
    static let quotaClassUpdate = component("QuotaClassUpdate")
    static let triggerCreate = component("TriggerCreate")
    static let triggerUpdate = component("TriggerUpdate")
    static let scheduledOperationCreate = component("ScheduledOperationCreate")
    static let scheduledOperationUpdate = component("ScheduledOperationUpdate")
}
