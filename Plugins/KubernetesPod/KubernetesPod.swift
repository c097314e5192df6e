import BulwarkKubernetes
import BulwarkPluginKit

/// `OS::Kubernetes::Pod` (parent: `OS::Keystone::Project`): the pods of the configured
/// namespaces (or all), as Karbor lists them: id `uuid5(NAMESPACE_OID, "ns:name")`, name
/// `ns:name`, pods that are Pending, Failed or Unknown skipped.
///
/// Options: `kubeconfig`, `context`, `in_cluster`, `namespaces`, `page_size`.
struct KubernetesPod: Protectable {
    static let resourceType = "OS::Kubernetes::Pod"
    static let parentTypes = ["OS::Keystone::Project"]
    static let configSchema: JSON? = KubernetesOptions.schema()
    /// Karbor's INVALID_POD_STATUS.
    static let skippedPhases: Set<String> = ["Pending", "Failed", "Unknown"]

    let client: KubernetesClient
    let namespaces: [String]?
    let pageSize: Int

    init(configuration: JSON, context: borrowing PluginContext) throws {
        client = try KubernetesOptions.client(configuration)
        namespaces = configuration["namespaces"]?.arrayValue?.compactMap(\.stringValue)
        pageSize = configuration["page_size"]?.numberValue?.intValue ?? 500
    }

    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] {
        var pods: [JSON] = []
        do {
            if let namespaces {
                for ns in namespaces { pods += try client.list("/api/v1/namespaces/\(ns)/pods", pageSize: pageSize) }
            } else {
                pods = try client.list("/api/v1/pods", pageSize: pageSize)
            }
        } catch {
            throw PluginError.failed(error.description)
        }
        return pods.compactMap { pod in
            guard !Self.skippedPhases.contains(pod["status"]?["phase"]?.stringValue ?? "Unknown") else { return nil }
            return Self.resource(pod)
        }
    }

    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        // The id is a hash of the name, so find it among the listed pods, as Karbor did.
        guard let pod = try listResources(parameters: .null, context: context).first(where: { $0.id == id }) else {
            throw PluginError.notFound("Kubernetes: no running pod with id \(id)\(namespaces.map { " in namespaces \($0.joined(separator: ", "))" } ?? "")")
        }
        return pod
    }

    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        try listResources(parameters: .null, context: context)
    }

    static func resource(_ pod: JSON) -> Resource? {
        guard let name = pod["metadata"]?["name"]?.stringValue else { return nil }
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        return Resource(type: resourceType, id: PodIdentity.id(namespace: namespace, pod: name),
                        name: PodIdentity.name(namespace: namespace, pod: name),
                        extraInfo: JSONObject([("namespace", .string(namespace)), ("name", .string(name))]))
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-kubernetes-pod", version: "1.0.0", protectables: [KubernetesPod.self]).export(call, host, out)
}
