import BulwarkKubernetes
import BulwarkOpenStack
import BulwarkPluginKit

/// `OS::Cinder::Volume` (parents: `OS::Keystone::Project`, `OS::Kubernetes::Pod`): the
/// project's volumes (Cinder v3 detail listing, paged), and for a pod the Cinder volumes
/// behind its volumes: pod volume -> PVC -> PV -> in-tree `cinder.volumeID` or CSI
/// `cinder.csi.openstack.org` `volumeHandle`.
///
/// Options: OpenStack credentials and `cinder_url`/`cinder_auth` (see OpenStackOptions),
/// and the Kubernetes options under `kubernetes` (see KubernetesOptions).
struct CinderVolume: Protectable {
    static let resourceType = "OS::Cinder::Volume"
    static let parentTypes = ["OS::Keystone::Project", "OS::Kubernetes::Pod"]
    static let configSchema: JSON? = OpenStackOptions.cinderSchema([
        ("kubernetes", KubernetesOptions.schema()),
    ])
    /// Karbor's INVALID_VOLUME_STATUS: volumes in these states are not listed.
    static let skippedStatuses: Set<String> = ["error", "deleting", "error_deleting", "creating"]

    let cinder: CinderClient
    let kubernetes: KubernetesClient?

    init(configuration: JSON, context: borrowing PluginContext) throws {
        cinder = try OpenStackOptions.cinder(configuration.setting("kubernetes", nil))
        kubernetes = try configuration["kubernetes"].map(KubernetesOptions.client)
    }

    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] {
        try volumes().compactMap(Self.resource)
    }

    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        let volume: JSON?
        do { volume = try cinder.show("volumes", id) } catch { throw PluginError.failed(error.description) }
        guard let volume, let resource = Self.resource(volume) else { throw PluginError.notFound("Cinder: no volume \(id)") }
        return resource
    }

    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        switch parent.type {
        case "OS::Keystone::Project":
            return try volumes().filter { v in
                (v["os-vol-tenant-attr:tenant_id"]?.stringValue).map { $0 == parent.id } ?? true
            }.compactMap(Self.resource)
        case "OS::Kubernetes::Pod":
            guard let kubernetes else {
                throw PluginError.invalidArgument("OS::Cinder::Volume: following pods to their volumes needs the option \"kubernetes\"")
            }
            let namespace = parent.extraInfo?["namespace"]?.stringValue ?? "default"
            let name = parent.extraInfo?["name"]?.stringValue ?? String(parent.name.drop { $0 != ":" }.dropFirst())
            do {
                guard let pod = try kubernetes.get("/api/v1/namespaces/\(namespace)/pods/\(name)") else {
                    throw PluginError.notFound("Kubernetes: pod \(namespace)/\(name) no longer exists")
                }
                return try kubernetes.cinderVolumes(of: pod).map { v in try showResource(id: v.cinderVolumeID, context: context) }
            } catch let error as KubernetesError {
                throw PluginError.failed(error.description)
            }
        default:
            return []
        }
    }

    private func volumes() throws -> [JSON] {
        do {
            return try cinder.listDetail("volumes").filter { !Self.skippedStatuses.contains($0["status"]?.stringValue ?? "") }
        } catch {
            throw PluginError.failed(error.description)
        }
    }

    static func resource(_ volume: JSON) -> Resource? {
        guard let id = volume["id"]?.stringValue else { return nil }
        var info = JSONObject()
        if let az = volume["availability_zone"]?.stringValue { info["availability_zone"] = .string(az) }
        if let size = volume["size"] { info["size"] = size }
        return Resource(type: resourceType, id: id, name: volume["name"]?.stringValue ?? "", extraInfo: info)
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-cinder-volume", version: "1.0.0", protectables: [CinderVolume.self]).export(call, host, out)
}
