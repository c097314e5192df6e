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
    /// Phase (`pre_protect` ...) -> the name of a hook its provider file defines.
    public var hooks: [String: String] = [:]
    public var createdAt: Double
    public var updatedAt: Double

    public init(id: String = UUID().uuidString.lowercased(), projectID: String, name: String, description: String = "",
                providerID: String, status: Status = .suspended, resources: [Resource], parameters: JSONObject = JSONObject(),
                hooks: [String: String] = [:], createdAt: Double = Date().timeIntervalSince1970, updatedAt: Double? = nil) {
        self.hooks = hooks
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
            ("hooks", .object(JSONObject(hooks.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }))),
            ("created_at", .string(CatalogTime.text(createdAt))), ("updated_at", .string(CatalogTime.text(updatedAt))),
        ]))
    }
}

/// Times as the catalog shows them: UTC, ISO 8601 without a zone, as Karbor's API did.
public enum CatalogTime {
    /// `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC. Written digit by digit: listings print two of
    /// these per record, and `String(format:)` made them a third of a plan listing's cost.
    public static func text(_ seconds: Double) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micro = Int((seconds - Double(Int(seconds))) * 1_000_000)
        var bytes = [UInt8]()
        bytes.reserveCapacity(26)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var v = max(0, value)
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8((v / divisor) % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); bytes.append(UInt8(ascii: "."))
        digits(micro, 6)
        return String(decoding: bytes, as: UTF8.self)
    }
}
