import BulwarkHTTP
import BulwarkJSON
import BulwarkKubernetes
import BulwarkOpenStack
import Foundation
import Testing
import TestSupport

/// The product end to end, from the CLI, against real Keystone and Cinder (with its real
/// backup service) and the Kubernetes API simulator: each test makes a Keystone project and
/// user of its own, so tests running at once see only their own volumes and pods.
@Suite(.serialized) struct OpenStackKubernetesTests {
    /// One isolated world: a project, a user with a password only this test knows, a
    /// simulator with its own CA and token, a namespace, and a provider file.
    final class World {
        let directory: URL
        let sim: PeerProcess
        let kube: KubernetesClient
        let cinder: CinderClient
        let projectID: String
        let username: String
        let password = "pw-" + UUID().uuidString
        let kubeToken: String
        let namespace = "apps"
        var environment: [String: String]
        var outputs: [String] = []

        init(_ label: String, volumePlugin: String, kubeconfigUser: JSON? = nil) throws {
            directory = try TestSupport.temporaryDirectory(label)
            let venv = (ProcessInfo.processInfo.environment["PEERS_DIR"] ?? "/tmp/bulwark-peers") + "/kvvenv/bin/python"
            kubeToken = "kt-" + UUID().uuidString
            sim = try PeerProcess(script: "kube_apiserver_sim.py", arguments: [
                "--port", "0", "--pki", directory.appendingPathComponent("kube").path, "--token", kubeToken,
                "--pending-seconds", "0.3", "--stdin-lifetime"], python: venv)
            let kubeconfigPath = directory.appendingPathComponent("kube/kubeconfig").path
            kube = KubernetesClient(config: try KubeConfig.load(paths: [kubeconfigPath]))

            // A project and a user of this test's own, in real Keystone.
            let admin = KeystoneSession(credentials: OpenStackCredentials(
                authURL: "http://127.0.0.1:5000/v3", method: .password(username: "admin", password: "secret", userDomain: "Default"),
                projectName: "admin"))
            let suffix = String(UUID().uuidString.prefix(8)).lowercased()
            username = "bulwark-\(suffix)"
            func keystone(_ method: String, _ path: String, _ body: JSON? = nil) throws -> JSON {
                let r = try admin.send(HTTPRequest(method: method, url: "http://127.0.0.1:5000/v3" + path,
                                                   headers: [("Content-Type", "application/json")], body: body?.serializedBytes()))
                return r.body.isEmpty ? .null : try JSON.parse(bytes: r.body)
            }
            projectID = try #require(try keystone("POST", "/projects", ["project": ["name": .string("bulwark-\(label)-\(suffix)"), "domain_id": "default"]])["project"]?["id"]?.stringValue)
            let userID = try #require(try keystone("POST", "/users", ["user": ["name": .string("bulwark-\(suffix)"), "password": .string(password),
                                                                                "domain_id": "default", "default_project_id": .string(projectID)]])["user"]?["id"]?.stringValue)
            let roleID = try #require(try keystone("GET", "/roles?name=admin")["roles"]?[0]?["id"]?.stringValue)
            _ = try keystone("PUT", "/projects/\(projectID)/users/\(userID)/roles/\(roleID)")
            cinder = CinderClient(auth: .noauth(user: "test", project: projectID), endpoint: "http://127.0.0.1:8776/v3/{project_id}")

            let credentials = """
                auth: {auth_url: "http://127.0.0.1:5000/v3", username: bulwark-\(suffix), password: "\(password)", project_id: \(projectID), user_domain_name: Default}
                """
            let kubernetes = "kubeconfig: \(kubeconfigPath)"
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("providers"), withIntermediateDirectories: true)
            try """
                id: osk
                name: OS Kubernetes Provider (test)
                concurrency: 8
                protectables:
                  OS::Keystone::Project: {\(credentials)}
                  OS::Kubernetes::Pod: {\(kubernetes), namespaces: [\(namespace)]}
                  OS::Cinder::Volume:
                    \(credentials)
                    cinder_url: "http://127.0.0.1:8776/v3/{project_id}"
                    cinder_auth: noauth
                    kubernetes: {\(kubernetes)}
                plugins:
                  - bulwark-noop-protection   # the project itself holds no data (Karbor's noop plugin)
                  - name: bulwark-pod-protection
                    options: {\(kubernetes), poll_interval: 0.2, timeout: 60}
                  - name: \(volumePlugin)
                    options:
                      \(credentials)
                      cinder_url: "http://127.0.0.1:8776/v3/{project_id}"
                      cinder_auth: noauth
                      poll_interval: 0.3
                      timeout: 600
                bank:
                  plugin: bulwark-directory-bank
                  options: {path: \(directory.appendingPathComponent("bank").path)}
                """.write(to: directory.appendingPathComponent("providers/osk.yaml"), atomically: true, encoding: .utf8)
            try """
                id: apps
                name: Apps
                provider_id: osk
                resources:
                  - {type: "OS::Keystone::Project", id: \(projectID), name: the project}
                """.write(to: directory.appendingPathComponent("plan.yaml"), atomically: true, encoding: .utf8)
            environment = ProcessInfo.processInfo.environment
            environment["BULWARK_PROVIDERS"] = directory.appendingPathComponent("providers").path
            environment["BULWARK_STATE"] = directory.appendingPathComponent("state.sqlite").path
        }

        /// Run the CLI; keep its output for the secrets check.
        func bulwark(_ arguments: [String]) throws -> TestSupport.ProcessResult {
            let r = try TestSupport.bulwark(arguments, environment: environment)
            outputs.append(r.stdout + r.stderr)
            return r
        }

        var plan: String { directory.appendingPathComponent("plan.yaml").path }

        // MARK: The workload: 3 pods (two CSI claims; an in-tree cinder volume; none) and an extra volume.

        struct Workload {
            var csiA = "", csiB = "", inTree = "", extra = ""
            var all: [String] { [csiA, csiB, inTree, extra] }
        }

        func volume(_ name: String) throws -> String {
            let id = try cinder.create("volumes", ["size": 1, "name": .string(name)])
            try cinder.wait("volumes", id, until: ["available"], interval: 0.3, timeout: 60)
            return id
        }

        func makeWorkload() throws -> Workload {
            var w = Workload()
            w.csiA = try volume("data-a")
            w.csiB = try volume("data-b")
            w.inTree = try volume("legacy")
            w.extra = try volume("extra")
            for (claim, id) in [("data-a", w.csiA), ("data-b", w.csiB)] {
                _ = try kube.create("/api/v1/persistentvolumes", [
                    "apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": .string("pv-\(claim)")],
                    "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "storageClassName": "csi-cinder",
                             "csi": ["driver": "cinder.csi.openstack.org", "volumeHandle": .string(id), "fsType": "ext4"]]])
                _ = try kube.create("/api/v1/namespaces/\(namespace)/persistentvolumeclaims", [
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": .string(claim)],
                    "spec": ["accessModes": ["ReadWriteOnce"], "storageClassName": "csi-cinder", "volumeName": .string("pv-\(claim)"),
                             "resources": ["requests": ["storage": "1Gi"]]]])
            }
            func pod(_ name: String, volumes: [JSON], mounts: [JSON]) throws {
                _ = try kube.create("/api/v1/namespaces/\(namespace)/pods", [
                    "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": .string(name)]],
                    "spec": ["restartPolicy": "Always", "volumes": .array(volumes),
                             "containers": [["name": "main", "image": "registry.k8s.io/pause:3.9", "volumeMounts": .array(mounts)]]]])
            }
            try pod("db", volumes: [["name": "a", "persistentVolumeClaim": ["claimName": "data-a"]],
                                    ["name": "b", "persistentVolumeClaim": ["claimName": "data-b"]]],
                    mounts: [["name": "a", "mountPath": "/a"], ["name": "b", "mountPath": "/b"]])
            try pod("legacy", volumes: [["name": "old", "cinder": ["volumeID": .string(w.inTree), "fsType": "ext4"]]],
                    mounts: [["name": "old", "mountPath": "/old"]])
            try pod("web", volumes: [], mounts: [])
            for name in ["db", "legacy", "web"] { try waitRunning(name) }
            return w
        }

        func waitRunning(_ name: String) throws {
            for _ in 0..<100 {
                if try kube.get("/api/v1/namespaces/\(namespace)/pods/\(name)")?["status"]?["phase"] == "Running" { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw TestSupportError("pod \(name) did not run")
        }

        /// Lose the workload. Cinder refuses to delete a volume that has snapshots, so in
        /// snapshot mode the volumes stay (detached, unused) and only the pods, claims and
        /// PVs go; restore makes new volumes either way.
        func deleteOriginals(_ w: Workload, volumes: Bool) throws {
            for pod in ["db", "legacy", "web"] { try kube.delete("/api/v1/namespaces/\(namespace)/pods/\(pod)") }
            for claim in ["data-a", "data-b"] {
                try kube.delete("/api/v1/namespaces/\(namespace)/persistentvolumeclaims/\(claim)")
                try kube.delete("/api/v1/persistentvolumes/pv-\(claim)")
            }
            for id in w.all where volumes {
                try cinder.delete("volumes", id)
                try cinder.wait("volumes", id, until: [], deleted: true, interval: 0.3, timeout: 60)
            }
        }

        func sim(_ method: String, _ path: String, _ body: JSON? = nil) throws -> JSON {
            try kube.send(method, path, body: body)
        }

        /// Bank objects under a checkpoint (the directory bank keeps keys as paths).
        func bankKeys(containing checkpoint: String) -> [String] {
            let root = directory.appendingPathComponent("bank").path
            let all = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
            return all.filter { $0.contains(checkpoint) && !$0.hasSuffix("/") && !isDirectory(root + "/" + $0) }
        }

        func isDirectory(_ path: String) -> Bool {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
        }

        /// Nothing of this test's secrets in anything the CLI printed.
        func expectNoSecrets(sourceLocation: SourceLocation = #_sourceLocation) {
            for output in outputs {
                #expect(!output.contains(password), "the Keystone password was printed", sourceLocation: sourceLocation)
                #expect(!output.contains(kubeToken), "the Kubernetes token was printed", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: ["bulwark-volume-backup-protection", "bulwark-volume-snapshot-protection"])
    func protectRestoreDelete(volumePlugin: String) throws {
        let world = try World(volumePlugin.contains("backup") ? "osk-backup" : "osk-snapshot", volumePlugin: volumePlugin)
        let w = try world.makeWorkload()

        // The graph: the project, its 3 running pods and 4 volumes; db -> a, b; legacy -> in-tree.
        let graph = try world.bulwark(["graph", "--provider", "osk", "--plan", world.plan, "--format", "json"])
        #expect(graph.status == 0, "\(graph.stderr)")
        let nodes = try #require(try JSON.parse(graph.stdout)["nodes"]?.arrayValue)
        func children(of name: String) -> Set<String> {
            guard let node = nodes.first(where: { $0["resource"]?["name"]?.stringValue == name }) else { return [] }
            return Set((node["children"]?.arrayValue ?? []).compactMap { $0.numberValue?.intValue }.compactMap { nodes[$0]["resource"]?["id"]?.stringValue })
        }
        #expect(nodes.count == 8, "\(graph.stdout)")
        #expect(children(of: "apps:db") == [w.csiA, w.csiB])
        #expect(children(of: "apps:legacy") == [w.inTree])
        #expect(children(of: "apps:web").isEmpty)
        let podIDs = Set(["db", "legacy", "web"].map { PodIdentity.id(namespace: "apps", pod: $0) })
        #expect(children(of: "the project").isSuperset(of: podIDs.union(w.all)))

        let protect = try world.bulwark(["protect", "--provider", "osk", "--plan", world.plan])
        #expect(protect.status == 0, "\(protect.stderr)")
        let checkpoint = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try JSON.parse(try world.bulwark(["checkpoint", "show", checkpoint, "--provider", "osk", "--output", "json"]).stdout)
        #expect(shown["status"] == "available")
        if volumePlugin.contains("backup") {
            #expect(try world.cinder.listDetail("backups").count == 4)
            #expect(try world.cinder.listDetail("snapshots").isEmpty, "backup mode deletes its snapshots once the backups are made")
        } else {
            #expect(try world.cinder.listDetail("snapshots").count == 4)
        }

        try world.deleteOriginals(w, volumes: volumePlugin.contains("backup"))
        #expect(try world.kube.list("/api/v1/namespaces/apps/pods").isEmpty)

        let restore = try world.bulwark(["restore", "create", "--provider", "osk", "--checkpoint", checkpoint, "--output", "json"])
        #expect(restore.status == 0, "\(restore.stderr)")
        let record = try JSON.parse(restore.stdout)
        #expect(record["status"] == "success", "\(restore.stdout)")
        var newIDs: [String: String] = [:]
        for old in w.all {
            let new = try #require(record["new_resources"]?[old]?.stringValue, "volume \(old) has no new id")
            #expect(new != old)
            #expect(try world.cinder.show("volumes", new)?["status"] == "available")
            newIDs[old] = new
        }
        // The pods run again, on the new volumes.
        let db = try #require(try world.kube.get("/api/v1/namespaces/apps/pods/db"))
        #expect(db["status"]?["phase"] == "Running")
        var handles: Set<String> = []
        for volume in db["spec"]?["volumes"]?.arrayValue ?? [] {
            let claim = try #require(volume["persistentVolumeClaim"]?["claimName"]?.stringValue)
            let pvc = try #require(try world.kube.get("/api/v1/namespaces/apps/persistentvolumeclaims/\(claim)"))
            #expect(pvc["status"]?["phase"] == "Bound")
            let pv = try #require(try world.kube.get("/api/v1/persistentvolumes/\(pvc["spec"]?["volumeName"]?.stringValue ?? "")"))
            handles.insert(pv["spec"]?["csi"]?["volumeHandle"]?.stringValue ?? "")
        }
        #expect(handles == [newIDs[w.csiA]!, newIDs[w.csiB]!])
        let legacy = try #require(try world.kube.get("/api/v1/namespaces/apps/pods/legacy"))
        #expect(legacy["status"]?["phase"] == "Running")
        #expect(legacy["spec"]?["volumes"]?[0]?["cinder"]?["volumeID"]?.stringValue == newIDs[w.inTree])
        #expect(try world.kube.get("/api/v1/namespaces/apps/pods/web")?["status"]?["phase"] == "Running")

        #expect(!world.bankKeys(containing: checkpoint).isEmpty)
        let delete = try world.bulwark(["checkpoint", "delete", checkpoint, "--provider", "osk"])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(try world.cinder.listDetail("backups").isEmpty)
        #expect(try world.cinder.listDetail("snapshots").isEmpty)
        #expect(world.bankKeys(containing: checkpoint).isEmpty, "\(world.bankKeys(containing: checkpoint))")
        world.expectNoSecrets()
    }

    @Test func tokenRotatedMidRunIsRenewed() throws {
        // The kubeconfig names a token file, as a service account's projected token; the
        // simulator rotates it after a few requests and rewrites the file, as the kubelet does.
        let world = try World("osk-rotate", volumePlugin: "bulwark-volume-snapshot-protection")
        _ = try world.makeWorkload()
        let tokenFile = world.directory.appendingPathComponent("token").path
        try world.kubeToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let kubeconfig = world.directory.appendingPathComponent("kube/kubeconfig").path
        var config = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        config = config.replacingOccurrences(of: "\"token\": \"\(world.kubeToken)\"", with: "\"tokenFile\": \"\(tokenFile)\"")
        try config.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        _ = try world.sim("PUT", "/_sim/rotation", ["after_requests": 3, "new_token": .string("kt-rotated-\(UUID().uuidString)"), "token_file": .string(tokenFile)])
        _ = try world.sim("DELETE", "/_sim/requests")

        let protect = try world.bulwark(["protect", "--provider", "osk", "--plan", world.plan])
        #expect(protect.status == 0, "\(protect.stderr)")
        let log = try world.kubeWithFile(tokenFile).send("GET", "/_sim/requests")["requests"]?.arrayValue ?? []
        #expect(log.contains { $0["status"] == 401 }, "the old token was refused at least once")
        #expect(log.last?["status"] == 200)
        let checkpoint = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try world.bulwark(["checkpoint", "delete", checkpoint, "--provider", "osk"]).status == 0)
        world.expectNoSecrets()
    }

    @Test func burstOf500sFailsTheCheckpointWithTheServersMessage() throws {
        let world = try World("osk-500", volumePlugin: "bulwark-volume-snapshot-protection")
        _ = try world.makeWorkload()
        // The graph reads pod web once; its protection then meets a burst longer than the retries.
        _ = try world.sim("POST", "/_sim/faults", ["method": "GET", "path": "/namespaces/apps/pods/web$", "skip": 1, "count": 20,
                                                   "kind": "status", "code": 500, "message": "etcdserver: request timed out"])
        let protect = try world.bulwark(["protect", "--provider", "osk", "--plan", world.plan])
        #expect(protect.status != 0)
        #expect(protect.stderr.contains("etcdserver: request timed out"), "\(protect.stderr)")
        let list = try JSON.parse(try world.bulwark(["checkpoint", "list", "--provider", "osk", "--output", "json"]).stdout)
        let checkpoint = try #require(list[0]?["id"]?.stringValue)
        #expect(list[0]?["status"] == "error")
        // Nothing of the failed pod was written.
        let web = PodIdentity.id(namespace: "apps", pod: "web")
        #expect(world.bankKeys(containing: checkpoint).filter { $0.contains(web) && !$0.contains("/status") }.isEmpty,
                "\(world.bankKeys(containing: checkpoint))")
        _ = try world.sim("DELETE", "/_sim/faults")
        #expect(try world.bulwark(["checkpoint", "delete", checkpoint, "--provider", "osk"]).status == 0)
        #expect(try world.cinder.listDetail("snapshots").isEmpty)
        world.expectNoSecrets()
    }

    /// Issue #12, fault 14: a protect whose wait times out (as on a loaded machine, where a
    /// backup stayed `creating` past the timeout) removes the snapshot and backup it made
    /// once Cinder allows it, instead of leaving them behind.
    @Test func aTimedOutBackupLeavesNothingInCinder() throws {
        let world = try World("osk-timeout", volumePlugin: "bulwark-volume-backup-protection")
        let provider = world.directory.appendingPathComponent("providers/osk.yaml")
        let text = try String(contentsOf: provider, encoding: .utf8)
        #expect(text.contains("      timeout: 600\n"))
        try text.replacingOccurrences(of: "      timeout: 600\n", with: "      timeout: 0.05\n      cleanup_timeout: 300\n")
            .write(to: provider, atomically: true, encoding: .utf8)
        let volume = try world.volume("slow")
        let protect = try world.bulwark(["protect", "--provider", "osk", "--plan", world.plan])
        #expect(protect.status == 1, "\(protect.stderr)")
        #expect(protect.stderr.contains("OS::Cinder::Volume \(volume)"), "\(protect.stderr)")
        #expect(!protect.stderr.contains("left in Cinder"), "\(protect.stderr)")
        #expect(try world.cinder.listDetail("snapshots").isEmpty)
        #expect(try world.cinder.listDetail("backups").isEmpty)
        world.expectNoSecrets()
    }

    @Test func wrongCAFailsWithATLSError() throws {
        let world = try World("osk-ca", volumePlugin: "bulwark-volume-snapshot-protection")
        // Another cluster's CA in the kubeconfig.
        let other = try PeerProcess(script: "kube_apiserver_sim.py", arguments: [
            "--port", "0", "--pki", world.directory.appendingPathComponent("other").path, "--stdin-lifetime"],
            python: (ProcessInfo.processInfo.environment["PEERS_DIR"] ?? "/tmp/bulwark-peers") + "/kvvenv/bin/python")
        _ = other.port
        let otherCA = try #require(try String(contentsOfFile: world.directory.appendingPathComponent("other/kubeconfig").path, encoding: .utf8)
            .firstMatch(of: /"certificate-authority-data": "([^"]+)"/)?.1)
        let kubeconfig = world.directory.appendingPathComponent("kube/kubeconfig").path
        let config = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        try config.replacing(/"certificate-authority-data": "[^"]+"/, with: "\"certificate-authority-data\": \"\(otherCA)\"")
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let list = try world.bulwark(["protectable", "instances", "OS::Kubernetes::Pod", "--provider", "osk"])
        #expect(list.status != 0)
        #expect(list.stderr.contains("TLS error") && list.stderr.contains("certificate could not be verified"), "\(list.stderr)")
        #expect(list.stderr.contains("https://127.0.0.1:"), "the error names the server")
        world.expectNoSecrets()
    }
}

extension OpenStackKubernetesTests.World {
    /// A client that reads its token from `file` (after a rotation).
    func kubeWithFile(_ file: String) throws -> KubernetesClient {
        var config = kube.config
        config.token = nil
        config.tokenFile = file
        return KubernetesClient(config: config)
    }
}
