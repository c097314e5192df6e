import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// How `bulwark serve` ends: a clean stop (SIGTERM) leaves no checkpoint running, and a
/// killed server's checkpoint is failed by the next one once its lease expires, with its
/// operation log saying why and no catalog row lost. Operations and hooks in flight show
/// in /metrics.
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

    /// One series' value in a Prometheus text exposition, nil when it is absent.
    func value(_ metrics: String, _ series: String) -> Double? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsShowOperationsHooksBankCallsAndRequests() throws {
        let server = try start("serve-metrics")
        let http = ServeHTTP(url: server.url)
        let id = try checkpoint(http, plan: try plan(http, latency: 3000))
        let hooks = #"bulwark_hooks_running{operation="protect"}"#
        var during = ""
        try TestSupport.waitFor("a protect hook to show as running", timeout: 120, poll: 0.05) {
            during = try http("GET", "/metrics", token: nil).text
            return (value(during, hooks) ?? 0) >= 1
        }
        #expect(value(during, "bulwark_operations_running") == 1, "\(during)")
        try TestSupport.waitFor("the checkpoint to be available", timeout: 120, poll: 0.2) {
            try http("GET", "/v1/p1/providers/sim/checkpoints/\(id)", token: token).json?["checkpoint"]?["status"] == "available"
        }
        // The log is ended (and the counters moved) just after the bank says available.
        var after = ""
        try TestSupport.waitFor("the operation to be counted", timeout: 60, poll: 0.1) {
            after = try http("GET", "/metrics", token: nil).text
            return value(after, #"bulwark_operations_total{type="protect",outcome="success"}"#) == 1
        }
        #expect(value(after, hooks) == 0)
        #expect(value(after, "bulwark_operations_running") == 0)
        #expect((value(after, #"bulwark_bank_call_duration_count{bank="bulwark-sqlite-bank",call="put"}"#) ?? 0) > 0, "\(after)")
        #expect(value(after, #"hb_requests{http_route="/v1/{project}/plans",http_request_method="POST",http_response_status_code="200"}"#) == 1, "\(after)")
        #expect(!after.contains(token))
        server.stop()
    }
}
