import BulwarkJSON
import Foundation

/// A trigger as the catalog keeps it: Karbor's `trigger_info`. Its properties are kept
/// as checked (strings, the defaults filled in); what they mean is BulwarkSchedule's
/// ``TriggerDefinition``, which the service and the CLI build from them.
public struct TriggerRecord: Sendable {
    public var id: String
    public var projectID: String
    public var name: String
    /// Karbor's trigger type; only `time` exists.
    public var type: String
    /// Property name -> value, in the order given.
    public var properties: [(String, String)]
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String = UUID().uuidString.lowercased(), projectID: String, name: String, type: String = "time",
                properties: [(String, String)], createdAt: Double = Date().timeIntervalSince1970, updatedAt: Double? = nil) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.type = type
        self.properties = properties
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    public var propertyMap: [String: String] {
        Dictionary(properties, uniquingKeysWith: { _, last in last })
    }

    var propertiesJSON: JSON { .object(JSONObject(properties.map { ($0.0, JSON.string($0.1)) })) }

    /// Karbor's `trigger_info`: property values as strings, as Karbor answered them.
    public var json: JSON {
        .object(JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("type", .string(type)), ("properties", propertiesJSON),
            ("project_id", .string(projectID)), ("created_at", .string(CatalogTime.text(createdAt))),
            ("updated_at", .string(CatalogTime.text(updatedAt))),
        ]))
    }
}

/// The outcome of deleting a trigger.
public enum TriggerDeletion: Sendable, Equatable {
    case deleted
    case notFound
    /// Scheduled operations (these ids) still use it: nothing was deleted.
    case inUse([String])
}
