import CBulwarkPlugin
import Foundation
import Synchronization

/// The lease that says a run's engine is alive: acquired when the run starts, renewed
/// every third of its TTL by a thread of its own, released when the run ends. After a
/// crash it expires, and the next engine to look marks the run `error` (checkpoints, see
/// ``Engine/recoverOrphans()``) or `fail` (restores, see ``RestoreStore``).
///
/// A lease is *lost* when a renewal is refused (another owner has it) or when none
/// succeeded before it expired: from then on another engine may already have marked the
/// run failed, or deleted it. Losing it calls `onLost` once (the engine cancels the flow),
/// and ``confirm()`` fails, so a run never reports a success its lease did not cover.
final class OwnerLease: Sendable {
    struct Store: Sendable {
        var acquire: @Sendable (UInt32) throws -> Void
        var renew: @Sendable (UInt32) throws -> Void
        var release: @Sendable () -> Void
        /// Whether a renewal error means the lease is someone else's (final), rather than
        /// a passing failure worth retrying until the lease expires.
        var isTakenOver: @Sendable (any Error) -> Bool
    }

    let ttl: UInt32
    private let store: Store
    private let state: Mutex<(validUntil: Double, lost: String?)>
    private let stop = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let onLost: @Sendable (String) -> Void

    /// The lease of an engine (CLI runs of before per-run leases named only their owner).
    static func name(_ owner: String) -> String { "owner-\(owner)" }
    /// The lease of one run of an engine: runs of one engine (a server's) overlap, and
    /// the end of one must not take the others' lease with it.
    static func name(_ owner: String, run: String) -> String { "owner-\(owner)-\(run)" }

    /// The lease `name` of engine `owner` in `bank`.
    static func store(bank: Bank, owner: String, name: String) -> Store {
        return Store(
            acquire: { ttl in try bank.acquireLease(name, owner: owner, ttl: ttl) },
            renew: { ttl in try bank.renewLease(name, owner: owner, ttl: ttl) },
            release: { try? bank.releaseLease(name, owner: owner) },
            isTakenOver: { error in
                if case Bank.Failure.plugin(let e) = error { return e.status == BULWARK_CONFLICT }
                return false
            })
    }

    init(_ store: Store, ttl: UInt32, onLost: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.store = store
        self.ttl = ttl
        self.onLost = onLost
        let start = Self.now()
        try store.acquire(ttl)
        state = Mutex((start + Double(ttl), nil))
        let interval = max(0.5, Double(ttl) / 3)
        let retry = max(0.2, Double(ttl) / 10)
        let thread = Thread { [self] in
            var wait = interval
            while stop.wait(timeout: .now() + wait) == .timedOut {
                wait = renew() ? interval : retry
                if state.withLock({ $0.lost }) != nil { break }
            }
            stopped.signal()
        }
        thread.name = "bulwark-lease"
        thread.start()
    }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    /// One renewal. Returns whether it succeeded; marks the lease lost when it is gone.
    @discardableResult
    private func renew() -> Bool {
        let start = Self.now()
        do {
            try store.renew(ttl)
        } catch {
            let reason: String? = state.withLock { s in
                if s.lost != nil { return nil }
                if store.isTakenOver(error) {
                    s.lost = "its lease was taken over: \(error)"
                } else if Self.now() >= s.validUntil {
                    s.lost = "its lease expired: the bank refused every renewal for \(ttl) s (last: \(error))"
                } else {
                    return nil
                }
                return s.lost
            }
            if let reason { onLost(reason) }
            return false
        }
        let end = Self.now()
        let reason: String? = state.withLock { s in
            if s.lost != nil { return nil }
            // A renewal that finished after the lease ran out came too late: in between,
            // another engine may have seen it expired.
            if end >= s.validUntil {
                s.lost = String(format: "its lease expired before a renewal got through (the renewal took %.1f s; lease_ttl is %u s)", end - start, ttl)
                return s.lost
            }
            s.validUntil = start + Double(ttl)
            return nil
        }
        if let reason { onLost(reason) }
        return reason == nil
    }

    /// Why the lease was lost, or nil while it holds.
    var lost: String? { state.withLock { $0.lost } }

    /// Renew now and say whether the lease still holds; throws the reason when it does
    /// not. A run calls this right before it records its outcome.
    func confirm() throws(EngineError) {
        if let lost { throw EngineError(lost) }
        renew()
        if let lost { throw EngineError(lost) }
        if state.withLock({ Self.now() >= $0.validUntil }) { throw EngineError("its lease expired") }
    }

    private let released = Mutex(false)

    /// Stop renewing and give the lease up; only the first call does anything.
    func release() {
        guard released.withLock({ r in defer { r = true }; return !r }) else { return }
        stop.signal()
        stopped.wait()
        store.release()
    }
}
