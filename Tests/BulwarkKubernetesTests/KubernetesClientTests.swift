import BulwarkHTTP
import BulwarkJSON
import BulwarkKubernetes
import Foundation
import Testing
import TestSupport

/// The Kubernetes client against the API server simulator (Tests/Peers/kube_apiserver_sim.py,
/// a separate HTTPS process): paging, and the faults a real API server shows under load.
@Suite struct KubernetesClientTests {
    let directory: URL
    let sim: PeerProcess
    let client: KubernetesClient

    init() throws {
        directory = try TestSupport.temporaryDirectory("kube-client")
        let venv = (ProcessInfo.processInfo.environment["PEERS_DIR"] ?? "/tmp/bulwark-peers") + "/kvvenv/bin/python"
        sim = try PeerProcess(script: "kube_apiserver_sim.py", arguments: [
            "--port", "0", "--pki", directory.appendingPathComponent("pki").path, "--token", "kt-" + UUID().uuidString,
            "--stdin-lifetime"], python: venv)
        let config = try KubeConfig.load(paths: [directory.appendingPathComponent("pki/kubeconfig").path])
        client = KubernetesClient(config: config, retry: RetryPolicy(attempts: 3, initialDelay: 0.05))
    }

    static func pod(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]
    }

    func fault(_ rule: JSON) throws { _ = try client.send("POST", "/_sim/faults", body: rule) }

    /// The requests the simulator saw for paths matching `prefix`, as (method, path, status).
    func requests(_ prefix: String) throws -> [(String, String, Int)] {
        (try client.send("GET", "/_sim/requests")["requests"]?.arrayValue ?? []).compactMap { r in
            guard let path = r["path"]?.stringValue, path.hasPrefix(prefix) else { return nil }
            return (r["method"]?.stringValue ?? "", path, r["status"]?.numberValue?.intValue ?? 0)
        }
    }

    @Test func listingFollowsContinueTokensAcrossPages() throws {
        let names = (1...7).map { "p\($0)" }
        for name in names.shuffled() { _ = try client.create("/api/v1/namespaces/paging/pods", Self.pod(name)) }
        _ = try client.send("DELETE", "/_sim/requests")
        let pods = try client.list("/api/v1/namespaces/paging/pods", pageSize: 3)
        #expect(pods.compactMap { $0["metadata"]?["name"]?.stringValue } == names)
        let gets = try requests("/api/v1/namespaces/paging/pods")
        #expect(gets.count == 3, "7 pods in pages of 3: \(gets)")
        #expect(gets.allSatisfy { $0.1.contains("limit=3") })
        #expect(gets.filter { $0.1.contains("continue=") }.count == 2)
    }

    @Test func tooManyRequestsIsRetriedAfterTheServersDelay() throws {
        _ = try client.create("/api/v1/namespaces/busy/pods", Self.pod("web"))
        try fault(["kind": "status", "code": 429, "retry_after": 1, "method": "GET", "path": "/namespaces/busy/pods/web$", "count": 1])
        let start = Date()
        let pod = try client.get("/api/v1/namespaces/busy/pods/web")
        #expect(pod?["metadata"]?["name"] == "web")
        #expect(Date().timeIntervalSince(start) >= 0.75, "Retry-After: 1 was honoured")
        #expect(try requests("/api/v1/namespaces/busy/pods/web").map(\.2) == [429, 200])
    }

    @Test func droppedConnectionsAreRetriedThenNamed() throws {
        _ = try client.create("/api/v1/namespaces/flaky/pods", Self.pod("db"))
        try fault(["kind": "drop", "method": "GET", "path": "/namespaces/flaky/pods/db$", "count": 1])
        #expect(try client.get("/api/v1/namespaces/flaky/pods/db")?["metadata"]?["name"] == "db")
        try fault(["kind": "drop", "method": "GET", "path": "/namespaces/flaky/pods/db$", "count": 10])
        do {
            _ = try client.get("/api/v1/namespaces/flaky/pods/db")
            Issue.record("expected the dropped connections to fail the call")
        } catch {
            #expect(error.description.contains("the connection was dropped"))
            #expect(error.description.contains("after 3 attempts"))
        }
    }

    @Test func malformedAnswerIsANamedErrorNotARetry() throws {
        try fault(["kind": "malformed", "method": "GET", "path": "/namespaces/odd/pods", "count": 1])
        do {
            _ = try client.list("/api/v1/namespaces/odd/pods")
            Issue.record("expected a JSON error")
        } catch {
            #expect(error.status == 200)
            #expect(error.description.contains("GET /api/v1/namespaces/odd/pods"))
            #expect(error.description.contains("is not valid JSON"))
        }
        #expect(try client.list("/api/v1/namespaces/odd/pods").isEmpty, "the next answer is fine again")
    }

    @Test func createIsNotRetriedAfterAServerError() throws {
        try fault(["kind": "status", "code": 500, "method": "POST", "path": "/namespaces/once/pods$", "count": 1,
                   "message": "etcdserver: request timed out"])
        do {
            _ = try client.create("/api/v1/namespaces/once/pods", Self.pod("job"))
            Issue.record("expected the 500 to fail the create")
        } catch {
            #expect(error.status == 500)
            #expect(error.description.contains("HTTP 500: etcdserver: request timed out"))
        }
        #expect(try requests("/api/v1/namespaces/once/pods").filter { $0.0 == "POST" }.count == 1, "a POST is sent once")
        #expect(try client.get("/api/v1/namespaces/once/pods/job") == nil)
        _ = try client.create("/api/v1/namespaces/once/pods", Self.pod("job"))
        #expect(try client.get("/api/v1/namespaces/once/pods/job") != nil)
    }
}
