import BulwarkJSON
import BulwarkSchema
import Foundation

/// A protection plan: a provider, the resources to protect, and parameters by resource
/// type (`"OS::Cinder::Volume"`) and by resource (`"OS::Cinder::Volume#<id>"`), the latter
/// overlaying the former.
public struct Plan: Sendable {
    public var id: String
    public var name: String
    public var providerID: String
    public var projectID: String
    public var resources: [Resource]
    public var parameters: JSONObject
    /// Where it was read from, for errors.
    public let source: ConfigFile?

    public init(id: String, name: String, providerID: String, projectID: String = "default", resources: [Resource],
                parameters: JSONObject = JSONObject()) {
        self.init(id: id, name: name, providerID: providerID, projectID: projectID, resources: resources, parameters: parameters,
                  source: nil)
    }

    static let schema: JSONSchema = {
        let text = #"""
        {
          "type": "object",
          "required": ["resources"],
          "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$", "not": {"enum": [".", ".."]}},
            "name": {"type": "string"},
            "provider_id": {"type": "string"},
            "project_id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$", "not": {"enum": [".", ".."]}},
            "resources": {
              "type": "array", "minItems": 1,
              "items": {
                "type": "object", "required": ["type", "id"],
                "properties": {
                  "type": {"type": "string", "minLength": 1}, "id": {"type": "string", "minLength": 1},
                  "name": {"type": "string"}, "extra_info": {"type": "object"}
                },
                "additionalProperties": false
              }
            },
            "parameters": {"type": "object", "additionalProperties": {"type": "object"}}
          },
          "additionalProperties": false
        }
        """#
        return try! JSONSchema(text: text)
    }()

    /// Whether `text` can be a plan or project id: it names a part of bank keys
    /// (`/indices/by-plan/<plan>/<project>/`), so only A-Z a-z 0-9 _ . - and never "." or "..".
    public static func isValidID(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && text.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 46 || $0 == 45
        }
    }

    /// Read a plan file (YAML or JSON).
    public static func read(_ path: String) throws(ConfigError) -> Plan {
        let file = try ConfigFile.read(path, schema: schema)
        let o = file.json.objectValue ?? JSONObject()
        var resources: [Resource] = []
        for (i, r) in (o["resources"]?.arrayValue ?? []).enumerated() {
            do { resources.append(try Resource(json: r, origin: "resources/\(i)")) } catch {
                throw file.error(at: "/resources/\(i)", error.message)
            }
        }
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let id = o["id"]?.stringValue ?? base.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
        return Plan(id: id.isEmpty || id == "." || id == ".." ? "plan" : id, name: o["name"]?.stringValue ?? base,
                    providerID: o["provider_id"]?.stringValue ?? "", projectID: o["project_id"]?.stringValue ?? "default",
                    resources: resources, parameters: o["parameters"]?.objectValue ?? JSONObject(), source: file)
    }

    private init(id: String, name: String, providerID: String, projectID: String, resources: [Resource], parameters: JSONObject,
                 source: ConfigFile?) {
        self.id = id
        self.name = name
        self.providerID = providerID
        self.projectID = projectID
        self.resources = resources
        self.parameters = parameters
        self.source = source
    }

    /// The parameters for one resource: the type's entry overlaid by the resource's own.
    public func parameters(for resource: Resource) -> JSON {
        Parameters.merged(parameters, resource)
    }

    public var json: JSON {
        ["id": .string(id), "name": .string(name), "provider_id": .string(providerID),
         "resources": .array(resources.map(\.json))]
    }
}

/// Parameters by type and by `type#id`, as plans and restores give them.
enum Parameters {
    static func merged(_ parameters: JSONObject, _ resource: Resource) -> JSON {
        var result = parameters[resource.type]?.objectValue ?? JSONObject()
        if let own = parameters[resource.type + "#" + resource.id]?.objectValue {
            for (k, v) in own { result[k] = v }
        }
        return .object(result)
    }
}
