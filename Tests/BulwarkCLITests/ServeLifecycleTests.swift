import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// How `bulwark serve` ends: a clean stop (SIGTERM) leaves no checkpoint running, and a
/// killed server's checkpoint is failed by the next one once its lease expires, with its
/// operation log saying why and no catalog row lost.
@Suite final class ServeLifecycleTests {
    let directory: URL
    let token = "ops:p1"

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try TestSupport.temporaryDirectory("serve-life")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("providers"), withIntermediateDirectories: true)
        try """
            id: sim
            name: Simulated
            lease_ttl: 2
            protectables:
              Sim::Project: {}
              Sim::Pod: {pods: 2}
              Sim::Volume: {volumes: 1}
            plugins: [bulwark-sim-protection]
            bank: {plugin: sqlite, options: {path: bank.sqlite}}
            """.write(to: directory.appendingPathComponent("providers/sim.yaml"), atomically: true, encoding: .utf8)
    }

    func start(_ label: String, grace: Double = 30) throws -> ServeProcess {
        try ServeProcess(config: """
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            shutdown_grace_seconds: \(grace)
            """, directory: directory, label: label)
    }

    /// A plan whose every resource's on_main takes `latency` ms; returns its id.
    func plan(_ http: ServeHTTP, latency: Int) throws -> String {
        let a = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "slow \#(latency)", "provider_id": "sim", "resources": [{"id": "project", "type": "Sim::Project", "name": "p"}], "parameters": {"Sim::Project": {"latency_ms": \#(latency)}, "Sim::Pod": {"latency_ms": \#(latency)}, "Sim::Volume": {"latency_ms": \#(latency)}}}}"#, token: token)
        return try #require(a.json?["plan"]?["id"]?.stringValue, "\(a.text)")
    }

    func checkpoint(_ http: ServeHTTP, plan: String) throws -> String {
        let a = try http("POST", "/v1/p1/providers/sim/checkpoints", body: #"{"checkpoint": {"plan_id": "\#(plan)"}}"#, token: token)
        #expect(a.json?["checkpoint"]?["status"] == "protecting")
        return try #require(a.json?["checkpoint"]?["id"]?.stringValue, "\(a.text)")
    }

    /// The checkpoint as the bank holds it, read by the CLI (no server running).
    func bankStatus(_ id: String) throws -> JSON? {
        var environment = ProcessInfo.processInfo.environment
        environment["BULWARK_PROVIDERS"] = directory.appendingPathComponent("providers").path
        let r = try TestSupport.run("/bin/sh", ["-c", "cd '\(directory.path)' && exec '\(TestSupport.buildDirectory.path)/bulwark' checkpoint show --provider sim --project p1 --output json \(id)"],
                                    environment: environment)
        return try? JSON.parse(r.stdout)
    }

    @Test func aCleanStopFinishesWhatFitsTheGraceAndCancelsTheRest() throws {
        let server = try start("serve", grace: 2)
        let http = ServeHTTP(url: server.url)
        let quick = try checkpoint(http, plan: try plan(http, latency: 300))
        let slow = try checkpoint(http, plan: try plan(http, latency: 8000))
        // Stop once both have begun (each reports protecting at creation); the quick one
        // finishes inside the grace, the slow one is cancelled when it ends.
        #expect(server.stop(SIGTERM) == 0, "serve's stderr: \(server.process.stderr)")
        #expect(try bankStatus(quick)?["status"] == "available")
        let slowStatus = try bankStatus(slow)
        #expect(slowStatus?["status"] == "error")
        #expect(slowStatus?["error"]?.stringValue?.contains("cancel") == true, "\(String(describing: slowStatus))")
        // Their logs ended too: restart and read them.
        let again = try start("serve-2")
        let logs = try #require(try ServeHTTP(url: again.url)("GET", "/v1/p1/operation_logs", token: token).json?["operation_logs"]?.arrayValue)
        #expect(Set(logs.compactMap { $0["status"]?.stringValue }) == ["available", "error"])
        #expect(logs.allSatisfy { $0["ended_at"]?.stringValue != nil })
        again.stop()
    }

    @Test func aKilledServersCheckpointEndsErrorAndItsLogSaysWhy() throws {
        let server = try start("serve")
        let http = ServeHTTP(url: server.url)
        let plan = try plan(http, latency: 60000)
        let id = try checkpoint(http, plan: plan)
        server.stop(SIGKILL)

        let restarted = try start("serve-after-kill")
        let after = ServeHTTP(url: restarted.url)
        try TestSupport.waitFor("the orphaned checkpoint to be marked error", timeout: 120, poll: 0.2) {
            try after("GET", "/v1/p1/providers/sim/checkpoints/\(id)", token: token).json?["checkpoint"]?["status"] == "error"
        }
        let shown = try after("GET", "/v1/p1/providers/sim/checkpoints/\(id)", token: token).json?["checkpoint"]
        #expect(shown?["error"]?.stringValue?.contains("lease expired") == true)
        try TestSupport.waitFor("its operation log to be failed", timeout: 120, poll: 0.2) {
            try after("GET", "/v1/p1/operation_logs?checkpoint_id=\(id)", token: token).json?["operation_logs"]?[0]?["status"] == "error"
        }
        let log = try after("GET", "/v1/p1/operation_logs?checkpoint_id=\(id)", token: token).json?["operation_logs"]?[0]
        #expect(log?["error_info"]?.stringValue?.contains("stopped before it finished") == true)
        // Nothing of the catalog was lost: the plan is there, as it was.
        #expect(try after("GET", "/v1/p1/plans/\(plan)", token: token).json?["plan"]?["name"] == "slow 60000")
        restarted.stop()
    }
}
