import BulwarkKubernetes
import BulwarkPluginKit
import Foundation

/// Protection for `OS::Kubernetes::Pod`, as Karbor's pod protection plugin:
///
/// - protect (`on_main`): saves the pod's manifest (containers, volumes, labels, restart
///   policy, ...) and, for each volume on a PVC, the claim and its PV, to `pod.json`.
/// - restore (`on_complete`, after the volumes are restored): for each Cinder-backed
///   volume whose volume was restored, a new PV on the new volume id and a new claim bound
///   to it (in-tree volumes get the new id in place); then the pod, named
///   `restore_name` (default: the original name), waits for Running, and records the new
///   pod's id and name.
/// - delete (`on_main`): removes its bank objects.
struct PodProtection: ProtectionPlugin {
    static let name = "bulwark-pod-protection"
    static let aliases = ["karbor-pod-protection-plugin"]
    static let resourceTypes = ["OS::Kubernetes::Pod"]
    static let configSchema: JSON? = KubernetesOptions.schema()
    static let schemas: [String: ResourceSchemas] = [
        "OS::Kubernetes::Pod": ResourceSchemas(
            options: schemaFile("pod_protection_options"),
            restore: schemaFile("pod_protection_restore"),
            savedInfo: schemaFile("pod_protection_saved_info")),
    ]
    static let operations: [OperationKind: Set<Hook>] = [.protect: [.main], .restore: [.complete], .delete: [.main]]

    let client: KubernetesClient
    let pollInterval: Double
    let timeout: Double

    init(configuration: JSON, context: borrowing PluginContext) throws {
        client = try KubernetesOptions.client(configuration)
        pollInterval = configuration["poll_interval"]?.numberValue?.doubleValue ?? 1
        timeout = configuration["timeout"]?.numberValue?.doubleValue ?? 600
    }

    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws {
        do {
            switch operation {
            case .protect: try protect(input, context: context)
            case .restore: try restore(input, context: context)
            case .delete:
                for key in try context.list() { try context.delete(key) }
            case .verify: break
            }
        } catch let error as KubernetesError {
            throw PluginError.failed(error.description)
        }
    }

    private func protect(_ input: HookInput, context: borrowing PluginContext) throws {
        let (namespace, name) = Self.identity(input.resource)
        guard let pod = try client.get("/api/v1/namespaces/\(namespace)/pods/\(name)") else {
            throw PluginError.notFound("Kubernetes: pod \(namespace)/\(name) no longer exists")
        }
        var claims = JSONObject(), volumes = JSONObject()
        for v in try client.cinderVolumes(of: pod) {
            var entry = JSONObject([("cinder_volume_id", .string(v.cinderVolumeID))])
            if let claim = v.claim, let pvc = v.claimObject, let pv = v.persistentVolumeObject {
                claims[claim] = Self.portable(pvc)
                entry["persistent_volume"] = Self.portable(pv)
                entry["claim"] = .string(claim)
            }
            volumes[v.podVolume] = .object(entry)
        }
        let saved: JSON = [
            "pod": Self.portable(pod),
            "claims": .object(claims),
            "cinder_volumes": .object(volumes),
            "backup_name": input.parameters["backup_name"] ?? .null,
            "description": input.parameters["description"] ?? .null,
        ]
        try context.put("pod.json", json: saved)
    }

    private func restore(_ input: HookInput, context: borrowing PluginContext) throws {
        guard let saved = try context.getJSON("pod.json"), var pod = saved["pod"] else {
            throw PluginError.failed("nothing was saved for pod \(input.resource.name)")
        }
        let (namespace, originalName) = Self.identity(input.resource)
        let newName = input.parameters["restore_name"]?.stringValue ?? originalName
        let suffix = String((input.restoreID ?? UUID().uuidString).lowercased().prefix(8))
        var podVolumes = pod["spec"]?["volumes"]?.arrayValue ?? []
        for i in podVolumes.indices {
            let volumeName = podVolumes[i]["name"]?.stringValue ?? ""
            guard let info = saved["cinder_volumes"]?[volumeName], let oldID = info["cinder_volume_id"]?.stringValue,
                  let newID = try context.newResource(oldID) else { continue }
            if var cinder = podVolumes[i]["cinder"]?.objectValue {
                cinder["volumeID"] = .string(newID)
                podVolumes[i] = podVolumes[i].setting("cinder", .object(cinder))
            } else if let claim = info["claim"]?.stringValue, let pv = info["persistent_volume"], let pvc = saved["claims"]?[claim] {
                let newClaim = Self.dnsName("\(claim)-\(suffix)")
                let newPV = Self.dnsName("bulwark-\(newID)")
                _ = try client.create("/api/v1/persistentvolumes", Self.rebind(pv: pv, name: newPV, volumeID: newID))
                _ = try client.create("/api/v1/namespaces/\(namespace)/persistentvolumeclaims",
                                      Self.rebind(pvc: pvc, name: newClaim, volumeName: newPV))
                podVolumes[i] = podVolumes[i].setting("persistentVolumeClaim", ["claimName": .string(newClaim)])
            }
        }
        pod = pod.setting("spec", (pod["spec"] ?? [:]).setting("volumes", .array(podVolumes)))
        var metadata = pod["metadata"]?.objectValue ?? JSONObject()
        metadata["name"] = .string(newName)
        metadata["namespace"] = .string(namespace)
        if let description = input.parameters["restore_description"]?.stringValue {
            var annotations = metadata["annotations"]?.objectValue ?? JSONObject()
            annotations["bulwark.io/restore-description"] = .string(description)
            metadata["annotations"] = .object(annotations)
        }
        pod = pod.setting("metadata", .object(metadata))
        _ = try client.create("/api/v1/namespaces/\(namespace)/pods", pod)
        try waitRunning(namespace: namespace, name: newName, context: context)
        try context.setNewResource(input.resource.id, PodIdentity.id(namespace: namespace, pod: newName))
        context.log(.info, "pod \(namespace)/\(originalName) restored as \(namespace)/\(newName)")
    }

    private func waitRunning(namespace: String, name: String, context: borrowing PluginContext) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var phase = "unknown"
        while Date() < deadline {
            guard let pod = try client.get("/api/v1/namespaces/\(namespace)/pods/\(name)") else {
                throw PluginError.failed("Kubernetes: restored pod \(namespace)/\(name) disappeared")
            }
            phase = pod["status"]?["phase"]?.stringValue ?? "unknown"
            if phase == "Running" { return }
            if phase == "Failed" { throw PluginError.failed("Kubernetes: restored pod \(namespace)/\(name) failed") }
            try context.checkCancellation()
            Thread.sleep(forTimeInterval: pollInterval)
        }
        throw PluginError.failed("Kubernetes: restored pod \(namespace)/\(name) is still \(phase) after \(Int(timeout)) s")
    }

    static func identity(_ resource: Resource) -> (namespace: String, name: String) {
        let namespace = resource.extraInfo?["namespace"]?.stringValue ?? String(resource.name.prefix { $0 != ":" })
        let name = resource.extraInfo?["name"]?.stringValue ?? String(resource.name.drop { $0 != ":" }.dropFirst())
        return (namespace, name)
    }

    /// The object as one would create it again: no status, and no metadata the server owns.
    static func portable(_ object: JSON) -> JSON {
        guard case .object(var o) = object else { return object }
        o["status"] = nil
        if case .object(var metadata)? = o["metadata"] {
            for key in ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "managedFields", "selfLink", "ownerReferences"] {
                metadata[key] = nil
            }
            o["metadata"] = .object(metadata)
        }
        if case .object(var spec)? = o["spec"] {
            spec["nodeName"] = nil  // let the scheduler place the restored pod
            spec["claimRef"] = nil
            o["spec"] = .object(spec)
        }
        return .object(o)
    }

    static func rebind(pv: JSON, name: String, volumeID: String) -> JSON {
        var spec = pv["spec"] ?? [:]
        if spec["csi"] != nil { spec = spec.setting("csi", spec["csi"]!.setting("volumeHandle", .string(volumeID))) }
        if spec["cinder"] != nil { spec = spec.setting("cinder", spec["cinder"]!.setting("volumeID", .string(volumeID))) }
        return pv.setting("metadata", ["name": .string(name)]).setting("spec", spec)
    }

    static func rebind(pvc: JSON, name: String, volumeName: String) -> JSON {
        var metadata = pvc["metadata"]?.objectValue ?? JSONObject()
        metadata["name"] = .string(name)
        return pvc.setting("metadata", .object(metadata)).setting("spec", (pvc["spec"] ?? [:]).setting("volumeName", .string(volumeName)))
    }

    /// A DNS-1123 name (lower case, at most 63 characters).
    static func dnsName(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(63))
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-pod-protection", version: "1.0.0", protections: [PodProtection.self]).export(call, host, out)
}
