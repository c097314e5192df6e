import Foundation

/// The lease that says an engine process is alive: acquired when a run starts, renewed
/// every third of its TTL by a thread of its own, released when the run ends. After a
/// crash it expires, and the next engine to open the provider marks the runs it owned
/// `error` (see ``Engine/recoverOrphans()``).
final class OwnerLease: @unchecked Sendable {
    let bank: Bank
    let owner: String
    let ttl: UInt32
    private let stop = DispatchSemaphore(value: 0)
    private var thread: Thread?

    static func name(_ owner: String) -> String { "owner-\(owner)" }

    init(bank: Bank, owner: String, ttl: UInt32) throws(Bank.Failure) {
        self.bank = bank
        self.owner = owner
        self.ttl = ttl
        try bank.acquireLease(Self.name(owner), owner: owner, ttl: ttl)
        let interval = max(0.5, Double(ttl) / 3)
        let thread = Thread { [bank, owner, ttl, stop] in
            while stop.wait(timeout: .now() + interval) == .timedOut {
                try? bank.renewLease(Self.name(owner), owner: owner, ttl: ttl)
            }
        }
        thread.name = "bulwark-lease"
        self.thread = thread
        thread.start()
    }

    func release() {
        stop.signal()
        try? bank.releaseLease(Self.name(owner), owner: owner)
    }
}
