import BulwarkCore
import BulwarkJSON
import BulwarkSQLite
import Foundation
import Testing
import TestSupport

/// The embedded catalog: migrations, plans, quotas, paging, leases of restores and logs.
@Suite struct CatalogTests {
    let directory: URL
    init() throws { directory = try TestSupport.temporaryDirectory("catalog") }

    var path: String { directory.appendingPathComponent("catalog.sqlite").path }

    func plan(_ name: String, project: String = "p1", at time: Double = Date().timeIntervalSince1970) -> PlanRecord {
        PlanRecord(projectID: project, name: name, providerID: "demo", resources: [Resource(type: "T", id: name, name: name)],
                   createdAt: time)
    }

    @Test func timesAreUTCWithMicroseconds() {
        #expect(CatalogTime.text(0) == "1970-01-01T00:00:00.000000")
        #expect(CatalogTime.text(951_782_400.25) == "2000-02-29T00:00:00.250000")
        #expect(CatalogTime.text(1_796_180_399.000_123) == "2026-12-02T02:59:59.000123")
        // Every second of a year's worth of samples matches what gmtime and printf say.
        for step in stride(from: 0.0, to: 365 * 86_400, by: 86_399.5) {
            let seconds = 1_700_000_000 + step
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                                  parts.tm_hour, parts.tm_min, parts.tm_sec, Int((seconds - Double(Int(seconds))) * 1_000_000))
            #expect(CatalogTime.text(seconds) == expected)
        }
    }

    @Test func aStateDatabaseOfBeforeTheCatalogIsUpgradedWithItsRestores() throws {
        // The state database as Bulwark wrote it before the catalog: user_version 0, a
        // restores table without leases, one restore recorded.
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("""
                CREATE TABLE restores (
                  id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, status TEXT NOT NULL,
                  parameters TEXT NOT NULL, resources TEXT NOT NULL, new_resources TEXT NOT NULL, error TEXT,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                INSERT INTO restores VALUES ('r1', 'demo', 'c1', 'success', '{}', '{}', '{"a":"b"}', NULL, 1.0, 2.0);
                """)
        }
        let catalog = try SQLiteCatalog(path: path)
        let restore = try #require(try catalog.restore("r1"))
        #expect(restore.status == .success)
        #expect(restore.projectID == "default")
        #expect(restore.kind == .restore)
        #expect(restore.newResources[ExactString("a")] == "b")
        try catalog.createPlan(plan("a"), quota: -1)
        var version = 0
        try SQLiteConnection(path: path).query("PRAGMA user_version") { version = Int($0.integer(0)) }
        #expect(version == SQLiteCatalog.schemaVersion)
        // Opening again changes nothing.
        #expect(try SQLiteCatalog(path: path).plans(CatalogQuery(projectID: "p1")).count == 1)
    }

    @Test func aCatalogOfANewerBulwarkIsRefusedByName() throws {
        _ = try SQLiteCatalog(path: path)
        try SQLiteConnection(path: path).execute("PRAGMA user_version = \(SQLiteCatalog.schemaVersion + 1)")
        #expect {
            _ = try SQLiteCatalog(path: path)
        } throws: { error in
            guard let error = error as? CatalogError else { return false }
            return error.kind == .newerSchema && error.description.contains("newer Bulwark") && error.description.contains(path)
        }
    }

    @Test func plansAreKeptByProjectPagedAndLimitedByQuota() throws {
        let catalog = try SQLiteCatalog(path: path)
        for i in 0..<5 { try catalog.createPlan(plan("plan-\(i)", at: 1000 + Double(i)), quota: 5) }
        try catalog.createPlan(plan("other", project: "p2"), quota: 5)
        #expect {
            try catalog.createPlan(plan("plan-5"), quota: 5)
        } throws: { ($0 as? CatalogError)?.kind == .overQuota }
        #expect(try catalog.countPlans(project: "p1") == 5)
        #expect(try catalog.plans(CatalogQuery(projectID: "p2")).map(\.name) == ["other"])
        #expect(try catalog.plans(CatalogQuery(projectID: nil)).count == 6)

        // Newest first, two at a time, each page after the last one's id.
        let first = try catalog.plans(CatalogQuery(projectID: "p1", limit: 2))
        #expect(first.map(\.name) == ["plan-4", "plan-3"])
        let second = try catalog.plans(CatalogQuery(projectID: "p1", limit: 2, marker: first.last?.id))
        #expect(second.map(\.name) == ["plan-2", "plan-1"])
        let byName = try catalog.plans(CatalogQuery(projectID: "p1", sortKey: "name", ascending: true))
        #expect(byName.map(\.name) == ["plan-0", "plan-1", "plan-2", "plan-3", "plan-4"])
        #expect(try catalog.plans(CatalogQuery(projectID: "p1", filters: ["name": "plan-3"])).count == 1)
        #expect {
            _ = try catalog.plans(CatalogQuery(projectID: "p1", filters: ["owner; DROP TABLE plans": "x"]))
        } throws: { ($0 as? CatalogError)?.kind == .invalidQuery }

        var changed = first[0]
        changed.name = "renamed"
        changed.status = .started
        #expect(try catalog.updatePlan(changed))
        #expect(try catalog.plan(changed.id)?.name == "renamed")
        #expect(try catalog.plan(changed.id)?.status == .started)
        #expect(try catalog.deletePlan(changed.id))
        #expect(try !catalog.deletePlan(changed.id))
        #expect(try catalog.plan(changed.id) == nil)
    }

    @Test func aRunningLogWhoseProcessStoppedIsFailedWithTheReason() throws {
        let catalog = try SQLiteCatalog(path: path)
        var log = OperationLog(projectID: "p1", operationType: .protect, providerID: "demo", checkpointID: "c1", ownerInstance: "dead")
        try catalog.saveLog(log, leaseTTL: 1)
        var alive = OperationLog(projectID: "p1", operationType: .restore, providerID: "demo", restoreID: "r1", ownerInstance: "alive")
        try catalog.saveLog(alive, leaseTTL: 600)
        // The dead instance never renews: once its lease is over, anyone's renewal fails it.
        try TestSupport.waitFor("the dead log's lease to expire", timeout: 60) {
            try catalog.renewLogs(instance: "alive", ttl: 600).contains(log.id)
        }
        log = try #require(try catalog.log(log.id))
        #expect(log.status == "error")
        #expect(log.errorInfo?.contains("stopped before it finished") == true)
        #expect(log.endedAt != nil)
        alive = try #require(try catalog.log(alive.id))
        #expect(alive.status == "in_progress")
        #expect(try catalog.logs(CatalogQuery(projectID: "p1", filters: ["status": "error"])).map(\.id) == [log.id])
    }

    @Test func aRestoreWhoseLeaseExpiredIsFailedAndItsRenewalRefused() throws {
        let catalog = try SQLiteCatalog(path: path)
        let now = Date().timeIntervalSince1970
        let record = RestoreRecord(id: "r1", projectID: "p1", providerID: "demo", checkpointID: "c1", status: .inProgress,
                                   parameters: [:], createdAt: now, updatedAt: now)
        try catalog.saveRestore(record, owner: "engine-1", leaseTTL: 1)
        try catalog.renewRestoreLease("r1", owner: "engine-1", ttl: 1)
        #expect {
            try catalog.renewRestoreLease("r1", owner: "engine-2", ttl: 1)
        } throws: { ($0 as? CatalogError)?.kind == .takenOver }
        try TestSupport.waitFor("the restore to be failed", timeout: 60) { try catalog.restore("r1")?.status == .fail }
        #expect(try catalog.restore("r1")?.error?.contains("engine-1") == true)
        #expect {
            try catalog.renewRestoreLease("r1", owner: "engine-1", ttl: 1)
        } throws: { ($0 as? CatalogError)?.kind == .takenOver }
    }

    @Test func servicesAreRegisteredOncePerHostAndBinary() throws {
        let catalog = try SQLiteCatalog(path: path)
        let id = try catalog.registerService(host: "h1", binary: "bulwark-serve", instance: "a")
        #expect(try catalog.registerService(host: "h1", binary: "bulwark-serve", instance: "b") == id)
        #expect(try catalog.registerService(host: "h2", binary: "bulwark-serve", instance: "c") != id)
        #expect(try catalog.updateService(id, enabled: false, reason: "maintenance"))
        let row = try #require(try catalog.services().first { $0.id == id })
        #expect(!row.enabled)
        #expect(row.disabledReason == "maintenance")
        #expect(try !catalog.updateService(9999, enabled: true, reason: nil))
    }

    @Test func triggersInUseStayAndFiresAreClaimedOnce() throws {
        let catalog = try SQLiteCatalog(path: path)
        let before = try catalog.scheduleGeneration()
        let trigger = TriggerRecord(projectID: "p1", name: "t", properties: [("format", "crontab"), ("pattern", "0 * * * *")])
        try catalog.createTrigger(trigger)
        let operation = ScheduledOperationRecord(projectID: "p1", name: "s", operationType: .retentionProtect, triggerID: trigger.id,
                                                 definition: [("provider_id", "demo"), ("plan_id", "p"), ("max_backups", "2")])
        #expect(try catalog.createScheduledOperation(operation))
        #expect(try !catalog.createScheduledOperation(ScheduledOperationRecord(projectID: "p1", name: "x", operationType: .protect,
                                                                               triggerID: "gone", definition: [])))
        #expect(try catalog.scheduleGeneration() > before, "writes move the generation another process watches")
        #expect(try catalog.deleteTrigger(trigger.id) == .inUse([operation.id]))
        #expect(try catalog.trigger(trigger.id)?.propertyMap["pattern"] == "0 * * * *")
        let stored = try #require(try catalog.scheduledOperation(operation.id))
        #expect(stored.definition.map(\.0) == ["provider_id", "plan_id", "max_backups"])
        #expect(stored.operationType == .retentionProtect && stored.enabled)

        // A fire is recorded once: the second claim of the same time (a restart, another server) is refused.
        let fire = ScheduleFire(scheduledOperationID: operation.id, fireTime: 1_800_000_000, outcome: .started)
        #expect(try catalog.recordFires([fire, ScheduleFire(scheduledOperationID: operation.id, fireTime: 1_800_003_600, outcome: .skipped)]) == [true, true])
        #expect(try catalog.recordFires([fire]) == [false])
        #expect(try SQLiteCatalog(path: path).lastFires()[operation.id] == 1_800_003_600)
        #expect(try catalog.lastFire(of: operation.id) == 1_800_003_600)
        #expect(try catalog.lastFire(of: "never-fired") == nil)

        #expect(try catalog.deleteScheduledOperation(operation.id))
        #expect(try catalog.lastFires()[operation.id] == nil)
        #expect(try catalog.deleteTrigger(trigger.id) == .deleted)
        #expect(try catalog.deleteTrigger(trigger.id) == .notFound)
    }
}
