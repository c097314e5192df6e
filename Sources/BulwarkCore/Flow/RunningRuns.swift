import Foundation
import Synchronization

/// The runs (protect, restore, delete) in progress in this process, so that a process
/// that must end before they finish records them as failed first instead of leaving them
/// to lease recovery, or worse, ending with a success status.
///
/// Two things end a process under a running flow: a plugin that calls `exit()` in a hook
/// (``guardExit(status:)`` turns it into a failure, exit status 70), and a user who will
/// not wait for a hook that never returns (a second Ctrl-C, or the grace period after
/// the first; see the CLI's `Interrupts`). Process-wide by nature, like `exit` itself:
/// this is the one registry a process has.
public enum RunningRuns {
    struct Run: Sendable {
        var description: String
        /// Record the run as failed with this reason; must not wait on the flow's threads.
        var abandon: @Sendable (String) -> Void
    }

    private static let runs = Mutex<(next: Int, all: [Int: Run])>((0, [:]))

    /// The exit status of a process whose plugin called `exit()` during a run.
    public static let pluginExitStatus: Int32 = 70

    static func register(_ description: String, abandon: @escaping @Sendable (String) -> Void) -> Int {
        runs.withLock { r in
            r.next += 1
            r.all[r.next] = Run(description: description, abandon: abandon)
            return r.next
        }
    }

    static func unregister(_ token: Int) { runs.withLock { _ = $0.all.removeValue(forKey: token) } }

    /// What runs now, e.g. "protect of checkpoint 5f0c… (provider demo)".
    public static var descriptions: [String] { runs.withLock { $0.all.values.map(\.description).sorted() } }

    /// Record every running run as failed with `reason`, waiting at most `timeout`
    /// seconds for the bank; returns the runs' descriptions. The runs are unregistered,
    /// so each is abandoned once.
    @discardableResult
    public static func abandonAll(reason: String, timeout: Double = 10) -> [String] {
        let all = runs.withLock { r -> [Run] in
            let list = Array(r.all.values)
            r.all = [:]
            return list
        }
        guard !all.isEmpty else { return [] }
        // On a thread of its own: the caller may be a plugin's thread in the middle of
        // anything, and a bank that does not answer must not keep the process alive.
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            for run in all { run.abandon(reason) }
            done.signal()
        }
        thread.start()
        _ = done.wait(timeout: .now() + timeout)
        return all.map(\.description).sorted()
    }

    /// Called from an exit handler: when runs are in progress, a plugin has called
    /// `exit()` in a hook. Records them failed, says so on standard error and ends the
    /// process with ``pluginExitStatus`` instead of the plugin's status (often 0).
    public static func guardExit(status: Int32) {
        guard !descriptions.isEmpty else { return }
        let reason = "a plugin ended the process with exit(\(status)) while the run was going on"
        let abandoned = abandonAll(reason: reason)
        let message = abandoned.map { "error: \($0) failed: \(reason)\n" }.joined()
        message.utf8CString.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, p.count - 1) }
        _exit(pluginExitStatus)
    }
}
