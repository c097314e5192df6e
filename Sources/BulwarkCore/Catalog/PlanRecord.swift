import BulwarkJSON
import Foundation

/// A plan as the catalog keeps it: the engine's ``Plan`` with Karbor's description and
/// status (`suspended` when created; `started` while a schedule may run it).
public struct PlanRecord: Sendable {
    public enum Status: String, Sendable { case suspended, started }

    public var id: String
    public var projectID: String
    public var name: String
    public var description: String
    public var providerID: String
    public var status: Status
    public var resources: [Resource]
    public var parameters: JSONObject
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String = UUID().uuidString.lowercased(), projectID: String, name: String, description: String = "",
                providerID: String, status: Status = .suspended, resources: [Resource], parameters: JSONObject = JSONObject(),
                createdAt: Double = Date().timeIntervalSince1970, updatedAt: Double? = nil) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.description = description
        self.providerID = providerID
        self.status = status
        self.resources = resources
        self.parameters = parameters
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// What the engine protects.
    public var plan: Plan {
        Plan(id: id, name: name, providerID: providerID, projectID: projectID, resources: resources, parameters: parameters)
    }

    /// Karbor's plan object.
    public var json: JSON {
        .object(JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("description", .string(description)),
            ("provider_id", .string(providerID)), ("project_id", .string(projectID)), ("status", .string(status.rawValue)),
            ("resources", .array(resources.map(\.json))), ("parameters", .object(parameters)),
            ("created_at", .string(CatalogTime.text(createdAt))), ("updated_at", .string(CatalogTime.text(updatedAt))),
        ]))
    }
}

/// Times as the catalog shows them: UTC, ISO 8601 without a zone, as Karbor's API did.
public enum CatalogTime {
    public static func text(_ seconds: Double) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micro = Int((seconds - Double(Int(seconds))) * 1_000_000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micro)
    }
}
