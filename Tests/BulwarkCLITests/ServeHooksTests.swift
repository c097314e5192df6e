import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// Plan hooks (OSB's lock / unlock phases) in `bulwark serve`, on the simulated provider:
/// the hooks are defined in the provider file and named by plans. A failing or timed-out
/// pre hook fails the protect, naming the hook, its exit status and last output; post
/// hooks run after success, failure and cancellation; hooks never see the server's own
/// environment.
@Suite final class ServeHooksTests {
    let directory: URL
    let token = "ops:p1"

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try TestSupport.temporaryDirectory("serve-hooks")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("providers"), withIntermediateDirectories: true)
        try """
            id: sim
            name: Simulated
            lease_ttl: 3
            protectables:
              Sim::Project: {}
              Sim::Pod: {pods: 1}
              Sim::Volume: {volumes: 1}
            plugins: [bulwark-sim-protection]
            bank: {plugin: sqlite, options: {path: bank.sqlite}}
            hooks:
              lock:
                command: [/bin/sh, -c, 'echo "pre $BULWARK_HOOK_PHASE $BULWARK_CHECKPOINT_ID $BULWARK_PLAN_NAME" >> hooks.log; echo locked']
              refuse:
                command: [/bin/sh, -c, 'echo "the database is busy"; exit 3']
              hang:
                command: [/bin/sh, -c, 'echo waiting for the lock; sleep 60']
                timeout_seconds: 1
              unlock:
                command: [/bin/sh, -c, 'echo "post $BULWARK_HOOK_PHASE $BULWARK_STATUS $BULWARK_CHECKPOINT_ID secret=${SECRET_OF_THE_SERVER:-none} $GREETING" >> hooks.log']
                environment: {GREETING: hello}
            """.write(to: directory.appendingPathComponent("providers/sim.yaml"), atomically: true, encoding: .utf8)
    }

    func start(_ label: String, grace: Double = 30) throws -> (ServeProcess, ServeHTTP) {
        var environment = ProcessInfo.processInfo.environment
        environment["SECRET_OF_THE_SERVER"] = "hunter2"
        let server = try ServeProcess(config: """
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            shutdown_grace_seconds: \(grace)
            """, directory: directory, label: label, environment: environment)
        return (server, ServeHTTP(url: server.url))
    }

    func plan(_ http: ServeHTTP, hooks: String, parameters: String = "{}") throws -> String {
        let a = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "db", "provider_id": "sim", "resources": [{"id": "project", "type": "Sim::Project", "name": "p"}], "parameters": \#(parameters), "hooks": \#(hooks)}}"#, token: token)
        return try #require(a.json?["plan"]?["id"]?.stringValue, "\(a.text)")
    }

    func protect(_ http: ServeHTTP, _ plan: String) throws -> String {
        let a = try http("POST", "/v1/p1/providers/sim/checkpoints", body: #"{"checkpoint": {"plan_id": "\#(plan)"}}"#, token: token)
        return try #require(a.json?["checkpoint"]?["id"]?.stringValue, "\(a.text)")
    }

    /// The checkpoint once it ended, and its operation log.
    func ended(_ http: ServeHTTP, _ checkpoint: String) throws -> (JSON, JSON) {
        var log: JSON?
        try TestSupport.waitFor("the protect of \(checkpoint) to end", timeout: 300, poll: 0.2) {
            log = try http("GET", "/v1/p1/operation_logs?checkpoint_id=\(checkpoint)", token: token).json?["operation_logs"]?[0]
            return log?["ended_at"].map { !$0.isNull } ?? false
        }
        let shown = try #require(try http("GET", "/v1/p1/providers/sim/checkpoints/\(checkpoint)", token: token).json?["checkpoint"])
        return (shown, try #require(log))
    }

    var hookLog: String { (try? String(contentsOf: directory.appendingPathComponent("hooks.log"), encoding: .utf8)) ?? "" }

    @Test func hooksRunAroundASuccessfulProtectWithoutTheServersEnvironment() throws {
        let (server, http) = try start("ok")
        let plan = try plan(http, hooks: #"{"pre_protect": "lock", "post_protect": "unlock"}"#)
        let checkpoint = try protect(http, plan)
        let (shown, log) = try ended(http, checkpoint)
        #expect(shown["status"] == "available")
        #expect(hookLog.contains("pre pre_protect \(checkpoint) db"))
        #expect(hookLog.contains("post post_protect available \(checkpoint) secret=none hello"), "\(hookLog)")
        let hooks = try #require(log["extra_info"]?["hooks"]?.arrayValue)
        #expect(hooks.map { $0["phase"]?.stringValue ?? "" } == ["pre_protect", "post_protect"])
        #expect(hooks[0]["output"]?.stringValue == "locked\n")
        #expect(hooks[0]["exit_status"] == 0)
        // A plan may only name hooks its provider defines.
        let unknown = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "x", "provider_id": "sim", "resources": [{"id": "project", "type": "Sim::Project", "name": "p"}], "hooks": {"pre_protect": "rm-rf"}}}"#, token: token)
        #expect(unknown.status == 400 && unknown.message?.contains("hooks/pre_protect") == true && unknown.message?.contains("defines no hook rm-rf") == true, "\(unknown.text)")
        server.stop()
    }

    @Test func aFailingPreHookSkipsTheProtectAndThePostHookStillRuns() throws {
        let (server, http) = try start("refuse")
        let plan = try plan(http, hooks: #"{"pre_protect": "refuse", "post_protect": "unlock"}"#,
                            parameters: #"{"Sim::Project": {"record": "plugin-ran"}}"#)
        let checkpoint = try protect(http, plan)
        let (shown, log) = try ended(http, checkpoint)
        #expect(shown["status"] == "error")
        let error = shown["error"]?.stringValue ?? ""
        #expect(error.contains("pre_protect hook refuse: exit status 3; last output: the database is busy"), "\(shown)")
        #expect(log["status"] == "error")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("plugin-ran").path), "the flow never ran")
        #expect(hookLog.contains("post post_protect error \(checkpoint)"), "\(hookLog)")
        server.stop()
    }

    @Test func aPostHookRunsAfterAFailedProtect() throws {
        let (server, http) = try start("failed")
        let plan = try plan(http, hooks: #"{"pre_protect": "lock", "post_protect": "unlock"}"#,
                            parameters: #"{"Sim::Project": {"fail": {"project": "on_main"}}}"#)
        let checkpoint = try protect(http, plan)
        let (shown, _) = try ended(http, checkpoint)
        #expect(shown["status"] == "error")
        #expect(hookLog.contains("pre pre_protect \(checkpoint)"))
        #expect(hookLog.contains("post post_protect error \(checkpoint)"), "\(hookLog)")
        server.stop()
    }

    @Test func aHookPastItsTimeoutIsKilledAndNamed() throws {
        let (server, http) = try start("hang")
        let plan = try plan(http, hooks: #"{"pre_protect": "hang"}"#)
        let began = Date()
        let checkpoint = try protect(http, plan)
        let (shown, _) = try ended(http, checkpoint)
        #expect(shown["status"] == "error")
        #expect(shown["error"]?.stringValue?.contains("pre_protect hook hang: timed out after 1 s and was killed; last output: waiting for the lock") == true, "\(shown)")
        #expect(Date().timeIntervalSince(began) < 50, "killed, not waited for (it sleeps 60 s)")
        server.stop()
    }

    @Test func aPostHookRunsAfterACancelledProtect() throws {
        let (server, http) = try start("cancel", grace: 0)
        let plan = try plan(http, hooks: #"{"pre_protect": "lock", "post_protect": "unlock"}"#,
                            parameters: #"{"Sim::Project": {"latency_ms": 8000}}"#)
        let checkpoint = try protect(http, plan)
        try TestSupport.waitFor("the pre hook to have run", timeout: 120, poll: 0.2) { hookLog.contains("pre pre_protect \(checkpoint)") }
        // SIGTERM with no grace: the run is cancelled (the sim notices when its 8 s sleep
        // ends); its post hook still runs before the server exits.
        server.stop()
        #expect(hookLog.contains("post post_protect error \(checkpoint)"), "\(hookLog)")
    }

    @Test func restoresRunTheirPlansRestoreHooks() throws {
        let (server, http) = try start("restore")
        let plan = try plan(http, hooks: #"{"pre_restore": "lock", "post_restore": "unlock"}"#)
        let checkpoint = try protect(http, plan)
        #expect(try ended(http, checkpoint).0["status"] == "available")
        #expect(!hookLog.contains("pre_protect"), "no protect hooks were named")
        let a = try http("POST", "/v1/p1/restores", body: #"{"restore": {"provider_id": "sim", "checkpoint_id": "\#(checkpoint)", "parameters": {}}}"#, token: token)
        let restore = try #require(a.json?["restore"]?["id"]?.stringValue, "\(a.text)")
        try TestSupport.waitFor("the restore to end", timeout: 300, poll: 0.2) {
            try http("GET", "/v1/p1/restores/\(restore)", token: token).json?["restore"]?["status"] != "in_progress"
        }
        #expect(try http("GET", "/v1/p1/restores/\(restore)", token: token).json?["restore"]?["status"] == "success")
        #expect(hookLog.contains("pre pre_restore \(checkpoint)"), "\(hookLog)")
        #expect(hookLog.contains("post post_restore success \(checkpoint)"), "\(hookLog)")
        let log = try http("GET", "/v1/p1/operation_logs?restore_id=\(restore)", token: token).json?["operation_logs"]?[0]
        #expect(log?["extra_info"]?["hooks"]?.arrayValue?.count == 2, "\(String(describing: log))")
        server.stop()
    }
}
