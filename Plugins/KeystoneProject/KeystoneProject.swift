import BulwarkHTTP
import BulwarkOpenStack
import BulwarkPluginKit

/// `OS::Keystone::Project`: the projects the credentials can see (Keystone v3
/// `GET /auth/projects`), the root of an OpenStack plan.
///
/// Options: OpenStack credentials as `cloud` (+ `clouds_file`), inline clouds.yaml keys
/// (`auth`, `region_name`, `interface`, `cacert`, `verify`), or else the `OS_*` variables.
struct KeystoneProject: Protectable {
    static let resourceType = "OS::Keystone::Project"
    static let configSchema: JSON? = OpenStackOptions.schema

    let session: KeystoneSession

    init(configuration: JSON, context: borrowing PluginContext) throws {
        session = try OpenStackOptions.session(configuration)
    }

    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] {
        let response: HTTPResponse
        do {
            response = try session.send(HTTPRequest(method: "GET", url: session.credentials.authURL + "/auth/projects"))
        } catch {
            throw PluginError.failed("Keystone: \(error)")
        }
        guard let projects = (try? JSON.parse(bytes: response.body))?["projects"]?.arrayValue else {
            throw PluginError.failed("Keystone: GET /auth/projects answered without a projects list")
        }
        return projects.compactMap(Self.resource)
    }

    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        guard let project = try listResources(parameters: .null, context: context).first(where: { $0.id == id }) else {
            throw PluginError.notFound("Keystone: no project \(id) among those the credentials can see")
        }
        return project
    }

    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] { [] }

    static func resource(_ project: JSON) -> Resource? {
        guard let id = project["id"]?.stringValue else { return nil }
        return Resource(type: resourceType, id: id, name: project["name"]?.stringValue ?? id)
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-keystone-project", version: "1.0.0", protectables: [KeystoneProject.self]).export(call, host, out)
}
