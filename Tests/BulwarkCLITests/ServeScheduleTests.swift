import BulwarkJSON
import BulwarkSchedule
import Foundation
import Testing
import TestSupport

/// The scheduler inside `bulwark serve`, on the simulated provider (each resource's
/// protect takes `latency_ms`) with the minimum interval lowered to 2 s: triggers and
/// scheduled operations through the API, retention, pause and resume, skipped overlaps,
/// and `kill -9` between fires and during a run.
@Suite(.serialized) final class ServeScheduleTests {
    let directory: URL
    let token = "ops:p1"

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try TestSupport.temporaryDirectory("serve-schedule")
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

    func start(_ label: String) throws -> (ServeProcess, ServeHTTP) {
        let server = try ServeProcess(config: """
            providers: {directory: providers}
            catalog: {path: catalog.sqlite}
            auth: {mode: noauth}
            scheduler: {minimum_interval_seconds: 2}
            shutdown_grace_seconds: 10
            """, directory: directory, label: label)
        return (server, ServeHTTP(url: server.url))
    }

    func plan(_ http: ServeHTTP, latency: Int) throws -> String {
        let a = try http("POST", "/v1/p1/plans", body: #"{"plan": {"name": "sim \#(latency)", "provider_id": "sim", "resources": [{"id": "project", "type": "Sim::Project", "name": "p"}], "parameters": {"Sim::Project": {"latency_ms": \#(latency)}, "Sim::Pod": {"latency_ms": \#(latency)}, "Sim::Volume": {"latency_ms": \#(latency)}}}}"#, token: token)
        return try #require(a.json?["plan"]?["id"]?.stringValue, "\(a.text)")
    }

    /// A trigger firing every `seconds` s; returns its id and start (its DTSTART).
    func trigger(_ http: ServeHTTP, every seconds: Int, window: Int) throws -> (String, Int64) {
        let a = try http("POST", "/v1/p1/triggers", body: #"{"trigger_info": {"name": "every \#(seconds) s", "type": "time", "properties": {"format": "calendar", "pattern": "BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=\#(seconds)\nEND:VEVENT", "window": "\#(window)"}}}"#, token: token)
        let info = try #require(a.json?["trigger_info"], "\(a.text)")
        let start = try #require(WallTime(parsing: info["properties"]?["start_time"]?.stringValue ?? "")).secondsSinceEpoch
        return (try #require(info["id"]?.stringValue), start)
    }

    func schedule(_ http: ServeHTTP, trigger: String, plan: String, type: String = "protect", extra: String = "") throws -> String {
        let a = try http("POST", "/v1/p1/scheduled_operations", body: #"{"scheduled_operation": {"name": "s", "operation_type": "\#(type)", "trigger_id": "\#(trigger)", "operation_definition": {"provider_id": "sim", "plan_id": "\#(plan)"\#(extra)}}}"#, token: token)
        #expect(a.json?["scheduled_operation"]?["enabled"] == true, "\(a.text)")
        return try #require(a.json?["scheduled_operation"]?["id"]?.stringValue, "\(a.text)")
    }

    /// The operation logs of a scheduled operation, oldest first.
    func logs(_ http: ServeHTTP, _ schedule: String) throws -> [JSON] {
        let a = try http("GET", "/v1/p1/operation_logs?scheduled_operation_id=\(schedule)&limit=1000&sort=created_at:asc", token: token)
        return try #require(a.json?["operation_logs"]?.arrayValue, "\(a.text)")
    }

    func protects(_ logs: [JSON], status: String? = nil) -> [JSON] {
        logs.filter { $0["operation_type"] == "protect" && (status == nil || $0["status"]?.stringValue == status) }
    }

    func fireTime(_ log: JSON) -> Int64? {
        guard let text = log["extra_info"]?["fire_time"]?.stringValue else { return nil }
        return WallTime(parsing: String(text.prefix(19)))?.secondsSinceEpoch
    }

    func setEnabled(_ http: ServeHTTP, _ schedule: String, _ enabled: Bool) throws {
        let a = try http("PUT", "/v1/p1/scheduled_operations/\(schedule)", body: #"{"scheduled_operation": {"enabled": \#(enabled)}}"#, token: token)
        #expect(a.status == 200 && a.json?["scheduled_operation"]?["enabled"] == .bool(enabled), "\(a.text)")
    }

    func waitIdle(_ http: ServeHTTP, _ schedule: String) throws {
        try TestSupport.waitFor("the runs of \(schedule) to end", timeout: 300, poll: 0.5) {
            try logs(http, schedule).allSatisfy { !["protecting", "deleting"].contains($0["status"]?.stringValue ?? "") }
        }
    }

    @Test func retentionKeepsTheNewestTwoPauseAndResume() throws {
        let (server, http) = try start("retention")
        let plan = try plan(http, latency: 50)
        // Closer than the server's minimum interval: refused, naming the property.
        let tooOften = try http("POST", "/v1/p1/triggers", body: #"{"trigger_info": {"name": "x", "type": "time", "properties": {"format": "crontab", "pattern": "* * * * *", "window": "ten"}}}"#, token: token)
        #expect(tooOften.status == 400 && tooOften.message?.contains("window") == true, "\(tooOften.text)")
        let everySecond = try http("POST", "/v1/p1/triggers", body: #"{"trigger_info": {"name": "x", "type": "time", "properties": {"format": "calendar", "pattern": "RRULE:FREQ=SECONDLY"}}}"#, token: token)
        #expect(everySecond.status == 400 && everySecond.message?.contains("minimum interval between fire times is 2 s") == true, "\(everySecond.text)")

        let (trigger, _) = try trigger(http, every: 2, window: 60)
        let bad = try http("POST", "/v1/p1/scheduled_operations", body: #"{"scheduled_operation": {"name": "s", "operation_type": "retention_protect", "trigger_id": "\#(trigger)", "operation_definition": {"provider_id": "sim", "plan_id": "\#(plan)", "max_backup": "2"}}}"#, token: token)
        #expect(bad.status == 400 && bad.message?.contains("max_backup is not a key") == true, "\(bad.text)")
        let schedule = try schedule(http, trigger: trigger, plan: plan, type: "retention_protect", extra: #", "max_backups": "2""#)
        let inUse = try http("DELETE", "/v1/p1/triggers/\(trigger)", token: token)
        #expect(inUse.status == 424 && inUse.message?.contains(schedule) == true, "\(inUse.text)")
        let listed = try http("GET", "/v1/p1/scheduled_operations", token: token)
        #expect(listed.json?["operations"]?[0]?["id"]?.stringValue == schedule)

        try TestSupport.waitFor("four scheduled protects to succeed", timeout: 300, poll: 0.5) {
            protects(try logs(http, schedule), status: "available").count >= 4
        }
        try setEnabled(http, schedule, false)
        // Retention runs after each protect's log has ended: wait for its deletions too.
        var all: [JSON] = [], made: [String] = [], deleted: [JSON] = [], available: [JSON] = []
        try TestSupport.waitFor("retention to leave two checkpoints", timeout: 300, poll: 0.5) {
            all = try logs(http, schedule)
            made = protects(all, status: "available").compactMap { $0["checkpoint_id"]?.stringValue }
            deleted = all.filter { $0["operation_type"] == "delete" && $0["status"] == "deleted" }
            let checkpoints = try http("GET", "/v1/p1/providers/sim/checkpoints?plan_id=\(plan)", token: token).json?["checkpoints"]?.arrayValue ?? []
            available = checkpoints.filter { $0["status"] == "available" }
            return protects(all, status: "protecting").isEmpty && deleted.count == made.count - 2 && available.count == 2
        }
        #expect(made.count >= 4)
        #expect(Set(available.compactMap { $0["id"]?.stringValue }) == Set(made.suffix(2)), "the newest two stay")
        #expect(all.filter { $0["operation_type"] == "delete" }.count == deleted.count, "every deletion succeeded")
        #expect(deleted.allSatisfy { $0["extra_info"]?["retention"]?.stringValue?.hasPrefix("max_backups=2") == true }, "\(deleted)")
        #expect(Set(deleted.compactMap { $0["checkpoint_id"]?.stringValue }) == Set(made.dropLast(2)))
        for checkpoint in available {
            #expect(checkpoint["extra_info"]?["created_by"] == "operation-engine")
            #expect(checkpoint["extra_info"]?["scheduled_operation_id"]?.stringValue == schedule)
            #expect(checkpoint["extra_info"]?["trigger_id"]?.stringValue == trigger)
        }

        // Paused: nothing fires for several periods.
        let pausedCount = try logs(http, schedule).count
        let until = Date().addingTimeInterval(7)
        while Date() < until {
            #expect(try logs(http, schedule).count == pausedCount)
            Thread.sleep(forTimeInterval: 0.5)
        }
        // Resumed: the fire times that passed while paused do not run; the next one does.
        let resumed = Int64(Date().timeIntervalSince1970)
        try setEnabled(http, schedule, true)
        try TestSupport.waitFor("a run after the resume", timeout: 120, poll: 0.25) { try logs(http, schedule).count > pausedCount }
        let first = try #require(try logs(http, schedule).dropFirst(pausedCount).first)
        #expect(try #require(fireTime(first)) > resumed, "\(first)")

        try setEnabled(http, schedule, false)
        try waitIdle(http, schedule)
        #expect(try http("DELETE", "/v1/p1/scheduled_operations/\(schedule)", token: token).status == 200)
        #expect(try http("DELETE", "/v1/p1/triggers/\(trigger)", token: token).status == 200)
        server.stop()
    }

    @Test func aFireWhileThePreviousRunGoesIsSkipped() throws {
        let (server, http) = try start("overlap")
        let plan = try plan(http, latency: 3000)
        let (trigger, _) = try trigger(http, every: 2, window: 60)
        let schedule = try schedule(http, trigger: trigger, plan: plan)
        try TestSupport.waitFor("a skipped fire", timeout: 300, poll: 0.25) {
            let current = try logs(http, schedule)
            #expect(protects(current, status: "protecting").count <= 1, "never two runs at once: \(current)")
            return current.contains { $0["status"] == "skipped" }
        }
        let skipped = try #require(try logs(http, schedule).first { $0["status"] == "skipped" })
        #expect(skipped["error_info"]?.stringValue?.contains("previous run of this scheduled operation is still going") == true)
        try setEnabled(http, schedule, false)
        try waitIdle(http, schedule)
        server.stop()
    }

    @Test func killedServersNeitherLoseNorRepeatFires() throws {
        var (server, http) = try start("kill-between")
        let fast = try plan(http, latency: 50)
        let (trigger, phase) = try trigger(http, every: 3, window: 60)
        let schedule = try schedule(http, trigger: trigger, plan: fast)
        try TestSupport.waitFor("two scheduled protects", timeout: 300, poll: 0.25) {
            protects(try logs(http, schedule), status: "available").count >= 2
        }
        try waitIdle(http, schedule)
        // Between fires: kill -9, stay down over several fire times, start again.
        server.stop(SIGKILL)
        let killed = Int64(Date().timeIntervalSince1970)
        while Int64(Date().timeIntervalSince1970) < killed + 8 { Thread.sleep(forTimeInterval: 0.2) }
        // Every fire time up to `starting` was due before the new server's scheduler
        // began; those after it, up to `restarted`, may run as ordinary fires.
        let starting = Int64(Date().timeIntervalSince1970)
        (server, http) = try start("kill-between-2")
        let restarted = Int64(Date().timeIntervalSince1970)
        try TestSupport.waitFor("a run after the restart", timeout: 300, poll: 0.25) {
            protects(try logs(http, schedule), status: "available").contains { (fireTime($0) ?? 0) > killed }
        }
        try setEnabled(http, schedule, false)
        try waitIdle(http, schedule)
        let all = try logs(http, schedule)
        let runs = protects(all).filter { ["available", "error", "protecting"].contains($0["status"]?.stringValue ?? "") }
        let runTimes = runs.compactMap(fireTime)
        #expect(Set(runTimes).count == runTimes.count, "no fire ran twice: \(runTimes)")
        // The fire times while it was down: the latest ran once after the restart (its
        // window of 60 s was open), the others are logged as missed. A fire that came due
        // while that catch-up run was still going (a loaded machine) is logged skipped.
        // None was lost, none counted twice.
        let lastBefore = try #require(runTimes.filter { $0 <= killed }.max())
        let downFires = stride(from: lastBefore + 3, through: restarted, by: 3).filter { ($0 - phase) % 3 == 0 }
        #expect(downFires.count >= 2)
        let ranAfter = runTimes.filter { $0 > lastBefore && $0 <= restarted }
        #expect(ranAfter.filter { $0 <= starting }.count <= 1, "only the latest of the fires while down runs: \(ranAfter)")
        let skippedAfter = all.filter { $0["status"] == "skipped" }.compactMap(fireTime).filter { $0 > lastBefore && $0 <= restarted }
        #expect(Set(skippedAfter).isDisjoint(with: ranAfter), "a fire both ran and was skipped: \(skippedAfter)")
        let missed = all.filter { $0["status"] == "missed" }
        let missedText = missed.compactMap { $0["error_info"]?.stringValue }.joined(separator: " | ")
        let missedCount = missed.compactMap { log -> Int? in
            let text = log["error_info"]?.stringValue ?? ""
            if text.hasPrefix("the fire of") { return 1 }
            return Int(text.split(separator: " ").first ?? "")
        }.reduce(0, +)
        #expect(missedCount + ranAfter.count + skippedAfter.count == downFires.count,
                "down fires \(downFires), ran \(ranAfter), skipped \(skippedAfter), missed: \(missedText)")
        server.stop()
    }

    @Test func aRunKilledMidwayEndsErrorWithItsLog() throws {
        var (server, http) = try start("kill-during")
        let slow = try plan(http, latency: 20_000)
        let (often, _) = try trigger(http, every: 4, window: 30)
        let schedule = try schedule(http, trigger: often, plan: slow)
        try TestSupport.waitFor("a scheduled run to be going", timeout: 300, poll: 0.25) {
            !protects(try logs(http, schedule), status: "protecting").isEmpty
        }
        let running = try #require(protects(try logs(http, schedule), status: "protecting").first)
        let id = try #require(running["id"]?.stringValue)
        server.stop(SIGKILL)
        (server, http) = try start("kill-during-2")
        try setEnabled(http, schedule, false)
        try TestSupport.waitFor("the interrupted run's log to end", timeout: 300, poll: 0.5) {
            try http("GET", "/v1/p1/operation_logs/\(id)", token: token).json?["operation_log"]?["status"] == "error"
        }
        let log = try #require(try http("GET", "/v1/p1/operation_logs/\(id)", token: token).json?["operation_log"])
        #expect(log["error_info"]?.stringValue?.contains("stopped before it finished") == true, "\(log)")
        let checkpoint = try #require(log["checkpoint_id"]?.stringValue)
        try TestSupport.waitFor("its checkpoint to be error", timeout: 300, poll: 0.5) {
            try http("GET", "/v1/p1/providers/sim/checkpoints/\(checkpoint)", token: token).json?["checkpoint"]?["status"] == "error"
        }
        let times = protects(try logs(http, schedule)).filter { $0["status"] != "skipped" && $0["status"] != "missed" }.compactMap(fireTime)
        #expect(Set(times).count == times.count, "the interrupted fire did not run again: \(times)")
        server.stop(SIGKILL)
    }
}
