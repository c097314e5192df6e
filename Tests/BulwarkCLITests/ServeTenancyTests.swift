import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// Tenancy in keystone mode, over every endpoint: two projects with a member each, and an
/// admin. Tokens come from the real test Keystone; the server validates them there.
@Suite final class ServeTenancyTests {
    let directory: URL
    let keystone = KeystoneFixture()
    let server: ServeProcess
    let http: ServeHTTP
    let projectA: String, projectB: String, adminProject: String
    let tokenA: String, tokenB: String, adminToken: String

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try ServeFixture.demo("tenancy")
        projectA = try keystone.project("a")
        projectB = try keystone.project("b")
        adminProject = try keystone.project("ops")
        tokenA = try keystone.token(try keystone.user("alice", project: projectA, role: "member"), project: projectA)
        tokenB = try keystone.token(try keystone.user("bob", project: projectB, role: "member"), project: projectB)
        adminToken = try keystone.token(try keystone.user("root", project: adminProject, role: "admin"), project: adminProject)
        server = try ServeProcess(config: """
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            \(keystone.serviceAuth(cacheSeconds: 1))
            """, directory: directory)
        http = ServeHTTP(url: server.url)
    }

    func plan(_ project: String, _ token: String) throws -> String {
        let a = try http("POST", "/v1/\(project)/plans", body: #"{"plan": {"name": "p", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "files"}]}}"#, token: token)
        return try #require(a.json?["plan"]?["id"]?.stringValue, "plan create: \(a.status) \(a.text)")
    }

    @Test func membersSeeOnlyTheirOwnProjectAndTheAdminSeesBoth() throws {
        let planA = try plan(projectA, tokenA)
        let planB = try plan(projectB, tokenB)
        let provider = try #require(try http("GET", "/v1/\(projectA)/providers", token: tokenA).json?["providers"]?[0]?["id"]?.stringValue)
        let a = "/v1/\(projectA)", b = "/v1/\(projectB)"

        // A checkpoint, a restore and a verification of A's, each finished.
        let created = try http("POST", "\(a)/providers/\(provider)/checkpoints", body: #"{"checkpoint": {"plan_id": "\#(planA)"}}"#, token: tokenA)
        let checkpoint = try #require(created.json?["checkpoint"]?["id"]?.stringValue, "\(created.text)")
        try TestSupport.waitFor("A's checkpoint to be available") {
            try http("GET", "\(a)/providers/\(provider)/checkpoints/\(checkpoint)", token: tokenA).json?["checkpoint"]?["status"] == "available"
        }
        let restore = try #require(try http("POST", "\(a)/restores", body: #"{"restore": {"provider_id": "\#(provider)", "checkpoint_id": "\#(checkpoint)", "restore_target": null, "restore_auth": null, "parameters": {"Demo::Folder": {"target": "out"}, "Demo::File": {"target": "out"}}}}"#, token: tokenA).json?["restore"]?["id"]?.stringValue)
        let verification = try #require(try http("POST", "\(a)/verifications", body: #"{"verification": {"provider_id": "\#(provider)", "checkpoint_id": "\#(checkpoint)", "parameters": {}}}"#, token: tokenA).json?["verification"]?["id"]?.stringValue)
        try TestSupport.waitFor("A's restore and verification to end") {
            try http("GET", "\(a)/restores/\(restore)", token: tokenA).json?["restore"]?["status"] == "success"
                && http("GET", "\(a)/verifications/\(verification)", token: tokenA).json?["verification"]?["status"] == "success"
        }
        let logs = try #require(try http("GET", "\(a)/operation_logs", token: tokenA).json?["operation_logs"]?.arrayValue)
        #expect(logs.count == 3)
        let log = try #require(logs.first?["id"]?.stringValue)

        // B sees none of it: not listed, not shown (404; checkpoints 403), not changed.
        #expect(try http("GET", "\(b)/plans", token: tokenB).json?["plans"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [planB])
        #expect(try http("GET", "\(b)/plans/\(planA)", token: tokenB).status == 404)
        #expect(try http("PUT", "\(b)/plans/\(planA)", body: #"{"plan": {"name": "mine now"}}"#, token: tokenB).status == 404)
        #expect(try http("DELETE", "\(b)/plans/\(planA)", token: tokenB).status == 404)
        #expect(try http("POST", "\(b)/providers/\(provider)/checkpoints", body: #"{"checkpoint": {"plan_id": "\#(planA)"}}"#, token: tokenB).status == 404)
        #expect(try http("GET", "\(b)/providers/\(provider)/checkpoints", token: tokenB).json?["checkpoints"]?.arrayValue?.isEmpty == true)
        #expect(try http("GET", "\(b)/providers/\(provider)/checkpoints/\(checkpoint)", token: tokenB).status == 403)
        #expect(try http("DELETE", "\(b)/providers/\(provider)/checkpoints/\(checkpoint)", token: tokenB).status == 403)
        #expect(try http("PUT", "\(b)/providers/\(provider)/checkpoints/\(checkpoint)", body: #"{"os-resetState": {"state": "error"}}"#, token: tokenB).status == 403)
        #expect(try http("POST", "\(b)/restores", body: #"{"restore": {"provider_id": "\#(provider)", "checkpoint_id": "\#(checkpoint)", "parameters": {}}}"#, token: tokenB).status == 403)
        #expect(try http("POST", "\(b)/verifications", body: #"{"verification": {"provider_id": "\#(provider)", "checkpoint_id": "\#(checkpoint)"}}"#, token: tokenB).status == 403)
        #expect(try http("GET", "\(b)/restores", token: tokenB).json?["restores"]?.arrayValue?.isEmpty == true)
        #expect(try http("GET", "\(b)/restores/\(restore)", token: tokenB).status == 404)
        #expect(try http("GET", "\(b)/verifications", token: tokenB).json?["verifications"]?.arrayValue?.isEmpty == true)
        #expect(try http("GET", "\(b)/verifications/\(verification)", token: tokenB).status == 404)
        #expect(try http("GET", "\(b)/operation_logs", token: tokenB).json?["operation_logs"]?.arrayValue?.isEmpty == true)
        #expect(try http("GET", "\(b)/operation_logs/\(log)", token: tokenB).status == 404)
        #expect(try http("GET", "\(b)/quotas/\(projectA)", token: tokenB).status == 403)
        #expect(try http("PUT", "\(b)/quotas/\(projectB)", body: #"{"quota": {"plans": 1000}}"#, token: tokenB).status == 403)
        #expect(try http("GET", "\(b)/os-services", token: tokenB).status == 403)
        #expect(try http("GET", "\(b)/plans?all_tenants=1", token: tokenB).status == 403)
        // A's objects are intact.
        #expect(try http("GET", "\(a)/plans/\(planA)", token: tokenA).json?["plan"]?["name"] == "p")
        #expect(try http("GET", "\(a)/providers/\(provider)/checkpoints/\(checkpoint)", token: tokenA).json?["checkpoint"]?["status"] == "available")

        // A token on another project's URL: 400, as Karbor.
        let wrong = try http("GET", "\(b)/plans", token: tokenA)
        #expect(wrong.status == 400)
        #expect(wrong.message == "Malformed request url")

        // The admin sees both projects with all_tenants, and the services.
        let o = "/v1/\(adminProject)"
        let all = try http("GET", "\(o)/plans?all_tenants=1", token: adminToken).json?["plans"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(Set(all ?? []).isSuperset(of: [planA, planB]))
        #expect(try http("GET", "\(o)/plans", token: adminToken).json?["plans"]?.arrayValue?.isEmpty == true)
        #expect(try http("GET", "\(o)/providers/\(provider)/checkpoints?all_tenants=1&project_id=\(projectA)", token: adminToken)
            .json?["checkpoints"]?.arrayValue?.count == 1)
        #expect(try http("GET", "\(o)/restores?all_tenants=1", token: adminToken).json?["restores"]?.arrayValue?.count ?? 0 >= 1)
        #expect(try http("GET", "\(o)/operation_logs?all_tenants=true", token: adminToken).json?["operation_logs"]?.arrayValue?.count ?? 0 >= 3)
        #expect(try http("GET", "\(o)/os-services", token: adminToken).json?["services"]?[0]?["state"] == "up")
        #expect(try http("PUT", "\(o)/quotas/\(projectB)", body: #"{"quota": {"plans": 1}}"#, token: adminToken).json?["quota"]?["plans"] == 1)
        #expect(try http("POST", "\(b)/plans", body: #"{"plan": {"name": "second", "provider_id": "demo", "resources": [{"id": "files", "type": "Demo::Folder", "name": "f"}]}}"#, token: tokenB).status == 413)
    }

    @Test func revokedAndUnknownTokensAreRefused() throws {
        let a = "/v1/\(projectA)/plans"
        #expect(try http("GET", a, token: tokenA).status == 200)
        #expect(try http("GET", a, token: "gAAAAA-not-a-token").status == 401)
        #expect(try http("GET", a, token: nil).status == 401)
        // Revoked in Keystone: refused once the server's cache (1 s here) lets it go.
        let fresh = try keystone.token(try keystone.user("carol", project: projectA, role: "member"), project: projectA)
        #expect(try http("GET", a, token: fresh).status == 200)
        try keystone.revoke(fresh)
        try TestSupport.waitFor("the revoked token to be refused", timeout: 60, poll: 0.2) {
            try http("GET", a, token: fresh).status == 401
        }
        let refused = try http("GET", a, token: fresh)
        #expect(refused.json?["unauthorized"]?["code"] == 401)
        // No token reached the log.
        #expect(!server.process.stderr.contains(fresh))
        #expect(!server.process.stderr.contains(tokenA))
        #expect(!server.process.stderr.contains("secret"))
    }
}
