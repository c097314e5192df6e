import BulwarkCore
import BulwarkJSON
import BulwarkSchedule
import Foundation
import Logging
import Metrics
import Synchronization

/// The scheduler of `bulwark serve`: one thread asleep until the earliest next fire time
/// over all enabled scheduled operations (a heap; no polling). A change through the API
/// wakes it at once; a change by the CLI or another server is seen within a heartbeat
/// (the catalog's schedule generation moves).
///
/// Each fire is recorded in the catalog before its operation starts (``Catalog/recordFires(_:)``),
/// so a restart resumes each schedule after its last recorded fire: a fire time missed
/// while the server was down runs once if its window is still open, else is logged as
/// missed (``FireDecision``). A fire recorded by another server is left to it.
final class Scheduler: Sendable {
    private struct Entry: Sendable {
        var operation: ScheduledOperationRecord
        var trigger: TriggerDefinition
        var cursor: Int64
        var version: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var queue = FireQueue()
        var running: Set<String> = []
        var version = 0
        var generation: Int64 = -1
        var stopping = false
    }

    private let catalog: any Catalog
    private let launcher: ScheduledRun
    private let logger: Logger
    private let state = Mutex(State())
    private let wake = NSCondition()
    private let lateness = Timer(label: "bulwark_schedule_lateness_seconds")

    init(catalog: any Catalog, launcher: ScheduledRun, logger: Logger) {
        self.catalog = catalog
        self.launcher = launcher
        self.logger = logger
    }

    /// Load every schedule and start the timer thread.
    func start() {
        reload(initial: true)
        let thread = Thread { [self] in loop() }
        thread.name = "bulwark-scheduler"
        thread.start()
    }

    func stop() {
        wake.lock()
        state.withLock { $0.stopping = true }
        wake.signal()
        wake.unlock()
    }

    /// How many schedules are enabled and known to the timer.
    var scheduleCount: Int { state.withLock { $0.entries.count } }

    // MARK: Changes

    /// Read every trigger and scheduled operation again (at start, and when the catalog's
    /// schedule generation shows that another process changed them).
    func reload(initial: Bool = false) {
        do {
            let generation = try catalog.scheduleGeneration()
            let operations = try catalog.scheduledOperations(CatalogQuery(projectID: nil))
            var triggers: [String: TriggerRecord] = [:]
            for trigger in try catalog.triggers(CatalogQuery(projectID: nil)) { triggers[trigger.id] = trigger }
            let last = try catalog.lastFires()
            var entries: [String: Entry] = [:]
            for operation in operations where operation.enabled {
                guard let trigger = triggers[operation.triggerID], let definition = definition(of: trigger, for: operation) else { continue }
                entries[operation.id] = Entry(operation: operation, trigger: definition,
                                              cursor: Self.cursor(operation, lastFire: last[operation.id]), version: 0)
            }
            wake.lock()
            state.withLock { s in
                s.generation = generation
                s.queue.removeAll()
                s.entries = [:]
                for (id, var entry) in entries {
                    s.version += 1
                    entry.version = s.version
                    s.entries[id] = entry
                    if let next = entry.trigger.nextFire(after: entry.cursor) {
                        s.queue.push(.init(time: next, id: id, version: entry.version))
                    }
                }
            }
            wake.signal()
            wake.unlock()
            logger.log(level: initial ? .info : .debug, "scheduler: \(entries.count) scheduled operations enabled")
        } catch {
            logger.error("scheduler: reading the schedules failed: \(error)")
        }
    }

    /// Reload when another process changed the schedules (called by the heartbeat).
    func noticeOutsideChanges() {
        guard let generation = try? catalog.scheduleGeneration() else { return }
        if generation != state.withLock({ $0.generation }) { reload() }
    }

    /// A scheduled operation was created, changed, paused, resumed or deleted through the API.
    func changed(operation id: String) {
        do {
            let operation = try catalog.scheduledOperation(id)
            var entry: Entry?
            if let operation, operation.enabled, let trigger = try catalog.trigger(operation.triggerID),
               let definition = definition(of: trigger, for: operation) {
                entry = Entry(operation: operation, trigger: definition,
                              cursor: Self.cursor(operation, lastFire: try catalog.lastFire(of: id)), version: 0)
            }
            put(id, entry)
        } catch {
            logger.error("scheduler: reading scheduled operation \(id) failed: \(error)")
        }
    }

    /// A trigger changed: every schedule using it is read again.
    func changed(trigger id: String) {
        let users = state.withLock { s in s.entries.values.filter { $0.operation.triggerID == id }.map(\.operation.id) }
        for user in users { changed(operation: user) }
    }

    private func put(_ id: String, _ entry: Entry?) {
        wake.lock()
        state.withLock { s in
            guard var entry else { s.entries[id] = nil; return }
            s.version += 1
            entry.version = s.version
            s.entries[id] = entry
            if let next = entry.trigger.nextFire(after: entry.cursor) {
                s.queue.push(.init(time: next, id: id, version: entry.version))
            }
        }
        wake.signal()
        wake.unlock()
    }

    private func definition(of trigger: TriggerRecord, for operation: ScheduledOperationRecord) -> TriggerDefinition? {
        do {
            // Checked when stored; the server's minimum interval applies to new triggers only.
            return try TriggerDefinition(properties: trigger.propertyMap, now: Int64(trigger.createdAt), minimumInterval: 0)
        } catch {
            logger.error("scheduler: scheduled operation \(operation.id) is not scheduled: its trigger \(trigger.id) \(error)")
            return nil
        }
    }

    /// Fire times after this count: after the last recorded one, and never before the
    /// schedule was created or last resumed (so resuming does not fire at once).
    static func cursor(_ operation: ScheduledOperationRecord, lastFire: Int64?) -> Int64 {
        max(lastFire ?? Int64.min, Int64(operation.activeSince.rounded(.down)))
    }

    // MARK: The timer

    private func loop() {
        wake.lock()
        while true {
            let now = Date().timeIntervalSince1970
            let (due, wakeAt, stopping) = state.withLock { s -> ([Entry], Int64?, Bool) in
                if s.stopping { return ([], nil, true) }
                var due: [Entry] = []
                while let top = s.queue.first, Double(top.time) <= now {
                    _ = s.queue.pop()
                    if let entry = s.entries[top.id], entry.version == top.version { due.append(entry) }
                }
                return (due, s.queue.first?.time, false)
            }
            if stopping { break }
            if !due.isEmpty {
                wake.unlock()
                fire(due)
                wake.lock()
                continue
            }
            if let wakeAt { _ = wake.wait(until: Date(timeIntervalSince1970: Double(wakeAt))) } else { wake.wait() }
        }
        wake.unlock()
    }

    /// Decide, record, then start: the fires are in the catalog (one transaction for all
    /// that came due together) before any of their operations starts.
    private func fire(_ due: [Entry]) {
        let now = Int64(Date().timeIntervalSince1970)
        var decisions: [(Entry, FireDecision)] = []
        var fires: [ScheduleFire] = []
        for entry in due {
            let going = state.withLock { $0.running.contains(entry.operation.id) }
            let decision = FireDecision.decide(entry.trigger, cursor: entry.cursor, now: now, previousRunGoing: going)
            decisions.append((entry, decision))
            let id = entry.operation.id
            if let last = decision.missed.last {
                fires.append(ScheduleFire(scheduledOperationID: id, fireTime: last, outcome: .missed,
                                          detail: "\(decision.missedCount) fire times missed"))
            }
            if let time = decision.skipped { fires.append(ScheduleFire(scheduledOperationID: id, fireTime: time, outcome: .skipped)) }
            if let time = decision.run { fires.append(ScheduleFire(scheduledOperationID: id, fireTime: time, outcome: .started)) }
        }
        var recorded: [Bool]
        do { recorded = try catalog.recordFires(fires) } catch {
            // Nothing was recorded, so nothing runs: try again in a few seconds.
            logger.error("scheduler: recording \(fires.count) fires failed, retrying shortly: \(error)")
            recorded = []
            for (entry, _) in decisions { requeue(entry, at: now + 5, cursor: entry.cursor) }
            return
        }
        var index = 0
        for (entry, decision) in decisions {
            let operation = entry.operation
            if !decision.missed.isEmpty {
                if recorded[index] { logMissed(operation, entry.trigger, decision) }
                index += 1
            }
            if let time = decision.skipped {
                if recorded[index] { logSkipped(operation, entry.trigger, time) }
                index += 1
            }
            if let time = decision.run {
                if recorded[index] { start(entry, at: time, now: now) }
                index += 1
            }
            requeue(entry, at: decision.next, cursor: decision.cursor)
        }
    }

    private func requeue(_ entry: Entry, at next: Int64?, cursor: Int64) {
        state.withLock { s in
            guard var current = s.entries[entry.operation.id], current.version == entry.version else { return }
            current.cursor = cursor
            s.entries[entry.operation.id] = current
            if let next { s.queue.push(.init(time: next, id: entry.operation.id, version: current.version)) }
        }
    }

    private func start(_ entry: Entry, at fireTime: Int64, now: Int64) {
        let id = entry.operation.id
        state.withLock { _ = $0.running.insert(id) }
        Counter(label: "bulwark_schedule_fires_total", dimensions: [("outcome", "started")]).increment()
        lateness.recordSeconds(Date().timeIntervalSince1970 - Double(fireTime))
        let launcher = self.launcher
        let operation = entry.operation
        let trigger = entry.trigger
        // Starting records the checkpoint in the bank: off the timer thread, so that
        // schedules due together start together.
        Thread.detachNewThread { [self] in
            launcher.start(operation, definition: trigger, fireTime: fireTime) {
                _ = self.state.withLock { $0.running.remove(id) }
            }
        }
    }

    /// `time` is the fire's (for misses, the latest missed), as `fire_time` in the log's
    /// extra info like a run's, so every fire is accounted for by the same key.
    private func logOutcome(_ operation: ScheduledOperationRecord, _ trigger: TriggerDefinition, status: String,
                            at time: Int64, _ why: String) {
        var log = OperationLog(projectID: operation.projectID, operationType: .protect, providerID: operation.providerID,
                               planID: operation.planID, scheduledOperationID: operation.id, status: status,
                               startedAt: Double(time),
                               extraInfo: JSONObject([("created_by", "operation-engine"), ("trigger_id", .string(operation.triggerID)),
                                                      ("scheduled_operation_id", .string(operation.id)),
                                                      ("fire_time", .string(trigger.pattern.iso8601(time)))]))
        log.endedAt = Date().timeIntervalSince1970
        log.errorInfo = why
        do { try catalog.saveLog(log, leaseTTL: 0) } catch { logger.error("scheduler: logging a \(status) fire failed: \(error)") }
        logger.warning("scheduled operation \(operation.id) (\(operation.name)): \(why)")
    }

    private func logSkipped(_ operation: ScheduledOperationRecord, _ trigger: TriggerDefinition, _ time: Int64) {
        Counter(label: "bulwark_schedule_fires_total", dimensions: [("outcome", "skipped")]).increment()
        logOutcome(operation, trigger, status: "skipped", at: time,
                   "the fire of \(trigger.pattern.iso8601(time)) was skipped: the previous run of this scheduled operation is still going")
    }

    private func logMissed(_ operation: ScheduledOperationRecord, _ trigger: TriggerDefinition, _ decision: FireDecision) {
        Counter(label: "bulwark_schedule_fires_total", dimensions: [("outcome", "missed")]).increment(by: decision.missedCount)
        let first = decision.missed.first ?? 0, last = decision.missed.last ?? 0
        let what = decision.missedCount == 1 ? "the fire of \(trigger.pattern.iso8601(first)) was"
            : "\(decision.missedCount) fires from \(trigger.pattern.iso8601(first)) to \(trigger.pattern.iso8601(last)) were"
        logOutcome(operation, trigger, status: "missed", at: last,
                   "\(what) missed: the server was not running (or could not start it) within the trigger's window of \(trigger.window) s")
    }
}
