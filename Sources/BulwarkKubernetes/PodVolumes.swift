import BulwarkJSON

/// A pod volume backed by a Cinder volume, and how: in-tree `cinder.volumeID`, or a PVC
/// bound to a PV whose source is in-tree `cinder` or CSI `cinder.csi.openstack.org`.
public struct PodCinderVolume: Sendable, Equatable {
    /// The pod's name for the volume (`spec.volumes[].name`).
    public var podVolume: String
    public var claim: String?
    public var persistentVolume: String?
    public var cinderVolumeID: String
    /// The PVC and PV objects as read while following the claim (nil for in-tree volumes).
    public var claimObject: JSON?
    public var persistentVolumeObject: JSON?
}

/// The CSI driver name of OpenStack's Cinder CSI plugin.
public let cinderCSIDriver = "cinder.csi.openstack.org"

extension KubernetesClient {
    /// Follow a pod's volumes to Cinder: pod volume -> PVC -> PV -> volume id. Volumes of
    /// other kinds (emptyDir, configMap, other drivers) are not Cinder's and are skipped; a
    /// claim or PV that does not exist is an error naming it.
    public func cinderVolumes(of pod: JSON) throws(KubernetesError) -> [PodCinderVolume] {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        var found: [PodCinderVolume] = []
        for volume in pod["spec"]?["volumes"]?.arrayValue ?? [] {
            let name = volume["name"]?.stringValue ?? ""
            if let id = volume["cinder"]?["volumeID"]?.stringValue {
                found.append(PodCinderVolume(podVolume: name, cinderVolumeID: id))
                continue
            }
            guard let claim = volume["persistentVolumeClaim"]?["claimName"]?.stringValue else { continue }
            guard let pvc = try get("/api/v1/namespaces/\(namespace)/persistentvolumeclaims/\(claim)") else {
                throw KubernetesError("pod \(namespace)/\(podName): volume \(name) claims \(claim), which does not exist", status: 404)
            }
            guard let pvName = pvc["spec"]?["volumeName"]?.stringValue, !pvName.isEmpty else { continue }  // not bound yet
            guard let pv = try get("/api/v1/persistentvolumes/\(pvName)") else {
                throw KubernetesError("pod \(namespace)/\(podName): claim \(claim) is bound to PV \(pvName), which does not exist", status: 404)
            }
            let spec = pv["spec"], csi = spec?["csi"]
            let csiHandle = csi?["driver"]?.stringValue == cinderCSIDriver ? csi?["volumeHandle"]?.stringValue : nil
            guard let id = spec?["cinder"]?["volumeID"]?.stringValue ?? csiHandle else { continue }  // not Cinder's
            found.append(PodCinderVolume(podVolume: name, claim: claim, persistentVolume: pvName, cinderVolumeID: id,
                                         claimObject: pvc, persistentVolumeObject: pv))
        }
        return found
    }
}
