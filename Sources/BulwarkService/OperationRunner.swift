import BulwarkCore
import Foundation
import Logging
import Metrics
import Synchronization

/// Runs the service's operations (protect, delete, restore, verify) in the background,
/// each on a thread of its own (the engine's flows block), never on an event loop.
///
/// At most `limit` run at once, and `perProvider` per provider; the others wait for a
/// free slot. Each has an operation log in the catalog from the moment it is
/// accepted to its end. ``drain(grace:)`` stops the lot for a clean shutdown.
final class OperationRunner: Sendable {
    private struct State {
        var running = 0
        var perProvider: [String: Int] = [:]
        var waiting: [Int] = []
        var next = 0
        var stopping = false
        var flags: [Int: CancellationFlag] = [:]
    }

    private let catalog: any Catalog
    private let instance: String
    private let limit: Int
    private let perProvider: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let changed = NSCondition()
    private let runningGauge = Gauge(label: "bulwark_operations_running")

    init(catalog: any Catalog, instance: String, limit: Int, perProvider: Int, logger: Logger) {
        self.catalog = catalog
        self.instance = instance
        self.limit = limit
        self.perProvider = perProvider
        self.logger = logger
    }

    /// Accept an operation whose run has begun (recorded running in the bank or the
    /// catalog): log it, and run it when a slot is free. `failure` says whether the
    /// outcome failed. `finished` runs last, on the operation's thread, whatever the
    /// outcome (nil: it never ran), still holding the slot (retention runs there).
    /// Throws 503 when the server is stopping.
    func submit<T: Sendable>(_ pending: PendingRun<T>, provider: String, log: OperationLog, leaseTTL: UInt32,
                             cancellation: CancellationFlag, failure: @escaping @Sendable (T) -> String?,
                             update: @escaping @Sendable (inout OperationLog, T?) -> Void = { _, _ in },
                             finished: @escaping @Sendable (T?) -> Void = { _ in }) throws {
        let ticket: Int? = state.withLock { s in
            if s.stopping { return nil }
            s.next += 1
            s.waiting.append(s.next)
            s.flags[s.next] = cancellation
            return s.next
        }
        guard let ticket else {
            pending.abandon("the server is stopping; the operation was not started")
            throw Fault(.serviceUnavailable, "the server is stopping and accepts no new operations")
        }
        let entry: LoggedOperation?
        do {
            entry = try LoggedOperation(log, catalog: catalog, instance: instance, ttl: leaseTTL)
        } catch {
            logger.error("the operation log of \(log.operationType.rawValue) \(log.checkpointID ?? log.restoreID ?? log.verificationID ?? "") could not be written: \(error)")
            entry = nil
        }
        let type = log.operationType.rawValue
        let thread = Thread { [self] in
            guard waitForSlot(ticket, provider: provider) else {
                pending.abandon("the server stopped before the operation started")
                entry?.end(failure: "the server stopped before the operation started")
                Counter(label: "bulwark_operations_total", dimensions: [("type", type), ("outcome", "abandoned")]).increment()
                finished(nil)
                return
            }
            defer { release(ticket, provider: provider) }
            var why: String?
            var output: T?
            do {
                output = try pending.run()
                why = output.flatMap(failure) ?? (output == nil ? "abandoned before it started" : nil)
            } catch {
                why = "\(error)"
            }
            entry?.end(failure: why) { update(&$0, output) }
            Counter(label: "bulwark_operations_total", dimensions: [("type", type), ("outcome", why == nil ? "success" : "failure")]).increment()
            if let why { logger.warning("\(type) failed: \(why)") }
            finished(output)
        }
        thread.name = "bulwark-\(type)"
        thread.start()
    }

    private func waitForSlot(_ ticket: Int, provider: String) -> Bool {
        changed.lock()
        defer { changed.unlock() }
        while true {
            let outcome: Bool? = state.withLock { s in
                if s.stopping { s.waiting.removeAll { $0 == ticket }; s.flags[ticket] = nil; return false }
                guard s.running < limit, (s.perProvider[provider] ?? 0) < perProvider else { return nil }
                s.waiting.removeAll { $0 == ticket }
                s.running += 1
                s.perProvider[provider, default: 0] += 1
                return true
            }
            if let outcome {
                if outcome { runningGauge.record(state.withLock { $0.running }) }
                changed.broadcast()
                return outcome
            }
            changed.wait(until: Date().addingTimeInterval(1))
        }
    }

    private func release(_ ticket: Int, provider: String) {
        changed.lock()
        let running = state.withLock { s in
            s.running -= 1
            s.perProvider[provider, default: 1] -= 1
            s.flags[ticket] = nil
            return s.running
        }
        runningGauge.record(running)
        changed.broadcast()
        changed.unlock()
    }

    var runningCount: Int { state.withLock { $0.running } }

    /// Stop: accept nothing more, fail the waiting, let the running go on for `grace`
    /// seconds, then cancel them and wait `cancelGrace` more for their hooks to return.
    /// Returns how many were still running at the end (their runs are then abandoned by
    /// the caller through ``RunningRuns``).
    func drain(grace: Double, cancelGrace: Double = 30) -> Int {
        changed.lock()
        state.withLock { $0.stopping = true }
        changed.broadcast()
        changed.unlock()
        let deadline = Date().addingTimeInterval(grace)
        while runningCount > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let flags = state.withLock { Array($0.flags.values) }
        if runningCount > 0 {
            logger.notice("cancelling \(runningCount) operations still running after the \(grace) s shutdown grace")
            for flag in flags { flag.cancel() }
        }
        let cancelDeadline = Date().addingTimeInterval(cancelGrace)
        while runningCount > 0, Date() < cancelDeadline { Thread.sleep(forTimeInterval: 0.05) }
        return runningCount
    }
}
