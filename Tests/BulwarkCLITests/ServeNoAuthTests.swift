import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// `bulwark serve` in noauth mode on the demo provider, driven by the real
/// python-karborclient 2.1.0, unchanged, and by raw HTTP for what the client never sends.
@Suite final class ServeNoAuthTests {
    let directory: URL
    let server: ServeProcess
    let project = "p1"
    let token = "alice:p1"

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try ServeFixture.demo("serve", leaseTTL: 3, extraFiles: ["b.txt": "world\n"])
        server = try ServeProcess(config: """
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            limits: {plans_per_project: 3, request_body_bytes: 4096}
            shutdown_grace_seconds: 30
            """, directory: directory)
    }

    func karbor(_ arguments: [String], project: String? = nil, token: String? = nil) throws -> TestSupport.ProcessResult {
        let r = try KarborClient.run(server.url, project: project ?? self.project, token: token ?? self.token, arguments)
        return r
    }

    /// Run the client and require success; returns its output.
    @discardableResult
    func ok(_ arguments: [String]) throws -> String {
        let r = try karbor(arguments)
        guard r.status == 0 else { throw TestSupportError("karbor \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)\(r.stdout)") }
        return r.stdout
    }

    /// One raw request: (status, body as JSON or nil, body).
    func http(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
              token: String? = nil) throws -> (Int, JSON?, String) {
        let a = try ServeHTTP(url: server.url)(method, path, body: body, contentType: contentType, token: token ?? self.token)
        return (a.status, a.json, a.text)
    }

    @Test func karborClientRunsTheWholeFlow() throws {
        let providers = KarborClient.rows(try ok(["provider-list"]))
        #expect(providers.count == 1)
        let provider = try #require(providers.first?.first)
        #expect(UUID(uuidString: provider) != nil, "the client needs UUID provider ids")
        #expect(KarborClient.properties(try ok(["provider-show", provider]))["name"] == "Demo")

        // Protectables: types, a type, its instances, an instance with its dependents.
        let types = KarborClient.rows(try ok(["protectable-list"])).map(\.[0])
        #expect(types == ["Demo::File", "Demo::Folder"])
        #expect(KarborClient.properties(try ok(["protectable-show", "Demo::Folder"]))["dependent_types"]?.contains("Demo::File") == true)
        let instances = KarborClient.rows(try ok(["protectable-list-instances", "Demo::Folder"]))
        #expect(instances.map(\.[0]) == ["files"])
        let instance = KarborClient.properties(try ok(["protectable-show-instance", "Demo::Folder", "files"]))
        #expect(instance["dependent_resources"]?.contains("files/a.txt") == true)

        // Plans: create (suspended), list, show, update.
        let created = KarborClient.properties(try ok(["plan-create", "mine", provider, "files=Demo::Folder=files"]))
        let plan = try #require(created["id"])
        #expect(created["status"] == "suspended")
        #expect(KarborClient.rows(try ok(["plan-list"])).map(\.[0]) == [plan])
        #expect(KarborClient.properties(try ok(["plan-show", plan]))["name"] == "mine")
        #expect(KarborClient.properties(try ok(["plan-update", plan, "--name", "renamed"]))["name"] == "renamed")

        // A checkpoint: answered protecting at once, then available.
        let checkpoint = try #require(KarborClient.properties(try ok(["checkpoint-create", provider, plan]))["id"])
        try TestSupport.waitFor("checkpoint \(checkpoint) to be available") {
            KarborClient.properties(try ok(["checkpoint-show", provider, checkpoint]))["status"] == "available"
        }
        let shown = KarborClient.properties(try ok(["checkpoint-show", provider, checkpoint]))
        #expect(shown["resource_graph"]?.contains("files/b.txt") == true)
        #expect(shown["extra_info"]?.contains("manual") == true)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(KarborClient.rows(try ok(["checkpoint-list", provider, "--plan_id", plan, "--start_date", today, "--end_date", today])).map(\.[0]) == [checkpoint])
        #expect(KarborClient.rows(try ok(["checkpoint-list", provider, "--start_date", "2000-01-01", "--end_date", "2000-01-02"])).isEmpty)

        // The files are lost; a restore brings them back under restored/.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("files/a.txt"))
        let restore = try #require(KarborClient.properties(try ok([
            "restore-create", provider, checkpoint, "--parameters", "resource_type=Demo::Folder,target=restored",
            "--parameters", "resource_type=Demo::File,target=restored"]))["id"])
        try TestSupport.waitFor("restore \(restore) to succeed") {
            let status = KarborClient.properties(try ok(["restore-show", restore]))["status"]
            if status == "fail" { throw TestSupportError("restore failed: \(try ok(["restore-show", restore]))") }
            return status == "success"
        }
        #expect(try String(contentsOf: directory.appendingPathComponent("restored/files/a.txt"), encoding: .utf8) == "hello\n")
        #expect(KarborClient.rows(try ok(["restore-list"])).map(\.[0]) == [restore])

        // A verification runs the plugins' verify operation.
        let verification = try #require(KarborClient.properties(try ok(["verification-create", provider, checkpoint]))["id"])
        try TestSupport.waitFor("verification \(verification) to succeed") {
            KarborClient.properties(try ok(["verification-show", verification]))["status"] == "success"
        }

        // Operation logs: one per operation, each ended.
        let logs = KarborClient.rows(try ok(["operationlog-list"]))
        #expect(Set(logs.map(\.[1])) == ["protect", "restore", "verify"])
        let protectLog = try #require(logs.first { $0[1] == "protect" })
        #expect(KarborClient.properties(try ok(["operationlog-show", protectLog[0]]))["status"] == "available")

        // Reset state, then delete in the background.
        try ok(["checkpoint-reset-state", provider, checkpoint, "--available"])
        try ok(["checkpoint-delete", provider, checkpoint])
        try TestSupport.waitFor("checkpoint \(checkpoint) to be gone") {
            KarborClient.rows(try ok(["checkpoint-list", provider])).isEmpty
        }
        try TestSupport.waitFor("the delete's log to end") {
            KarborClient.rows(try ok(["operationlog-list"])).contains { $0[1] == "delete" && $0[7] == "deleted" }
        }

        // Quotas, then the plan goes.
        let quota = KarborClient.properties(try ok(["quota-show", "--tenant", project]))
        #expect(quota["plans"] == "3")
        try ok(["plan-delete", plan])
        #expect(KarborClient.rows(try ok(["plan-list"])).isEmpty)
    }

    @Test func theClientsMistakesGetKarborsFaultsNeverA500() throws {
        // Malformed JSON: 400 naming line and column.
        let (s1, b1, _) = try http("POST", "/v1/p1/plans", body: "{\"plan\": {\"name\": \n  x}")
        #expect(s1 == 400)
        #expect(b1?["badRequest"]?["message"]?.stringValue?.contains("line 2, column 3") == true)
        // Unknown field, wrong type: 400 naming the field.
        let (s2, b2, _) = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "a", "provider_id": "demo", "resources": [], "colour": 1}}"#)
        #expect(s2 == 400)
        #expect(b2?["badRequest"]?["message"]?.stringValue?.contains("colour") == true)
        let (s3, b3, _) = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": 7, "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder"}]}}"#)
        #expect(s3 == 400)
        #expect(b3?["badRequest"]?["message"]?.stringValue?.contains("/plan/name") == true)
        // Unknown ids: 404.
        let (s4, b4, _) = try http("GET", "/v1/p1/plans/0f0e1d2c-0000-4000-8000-000000000000")
        #expect(s4 == 404)
        #expect(b4?["itemNotFound"]?["code"] == 404)
        #expect(try http("GET", "/v1/p1/providers/nope/checkpoints").0 == 404)
        #expect(try http("GET", "/v1/p1/no-such-collection").0 == 404)
        // Too large: 413; wrong media type: 415.
        let big = #"{"plan": {"name": ""# + String(repeating: "x", count: 8000) + #""}}"#
        #expect(try http("POST", "/v1/p1/plans", body: big).0 == 413)
        let (s5, b5, _) = try http("POST", "/v1/p1/plans", body: "name=a", contentType: "application/x-www-form-urlencoded")
        #expect(s5 == 415)
        #expect(b5?["badMediaType"] != nil)
        // No token: 401; another project's URL: 400 "Malformed request url".
        #expect(try http("GET", "/v1/p1/plans", token: "").0 == 401)
        let (s6, b6, _) = try http("GET", "/v1/p2/plans")
        #expect(s6 == 400)
        #expect(b6?["badRequest"]?["message"] == "Malformed request url")
        // Bad queries: 400.
        #expect(try http("GET", "/v1/p1/plans?limit=-1").0 == 400)
        #expect(try http("GET", "/v1/p1/plans?sort=colour:asc").0 == 400)
        #expect(try http("GET", "/v1/p1/protectables/Demo::Folder/instances?parameters={'a':").0 == 400)
        // The plans quota: 413 overLimit.
        for i in 0..<3 {
            let (status, _, text) = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "q\#(i)", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "files"}]}}"#)
            #expect(status == 200, "\(text)")
        }
        let (s7, b7, _) = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "q3", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "files"}]}}"#)
        #expect(s7 == 413)
        #expect(b7?["overLimit"]?["message"]?.stringValue?.contains("plans") == true)
        // A plan whose parameters the plugin's schema refuses: 400 naming the field.
        let (s8, b8, _) = try http("POST", "/v1/p2/plans", body: #"{"plan": {"name": "p", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "f"}], "parameters": {"Demo::File": {"chunk_kib": "big"}}}}"#, token: "bob:p2")
        #expect(s8 == 400)
        #expect(b8?["badRequest"]?["message"]?.stringValue?.contains("chunk_kib") == true)
        // A started plan changes only back to suspended.
        let (_, p, _) = try http("POST", "/v1/p2/plans", body: #"{"plan": {"name": "p", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "f"}]}}"#, token: "bob:p2")
        let id = try #require(p?["plan"]?["id"]?.stringValue)
        #expect(try http("PUT", "/v1/p2/plans/\(id)", body: #"{"plan": {"status": "started"}}"#, token: "bob:p2").0 == 200)
        let (s9, b9, _) = try http("PUT", "/v1/p2/plans/\(id)", body: #"{"plan": {"name": "new"}}"#, token: "bob:p2")
        #expect(s9 == 400)
        #expect(b9?["badRequest"]?["message"]?.stringValue?.contains("suspended") == true)
        #expect(try http("PUT", "/v1/p2/plans/\(id)", body: #"{"plan": {"status": "suspended"}}"#, token: "bob:p2").0 == 200)
        // Nothing above was a 500, and the server still answers.
        #expect(!server.process.stderr.contains(" 500 "))
        #expect(try http("GET", "/healthz").0 == 200)
    }
}
