import BulwarkCore
import Foundation
import Glibc
import Synchronization

/// SIGINT and SIGTERM, taken so that none is lost.
///
/// `install()`, first thing in `main` and before any other thread exists, blocks both
/// signals in the main thread, so every thread started later inherits the block, and
/// takes them on one thread of its own with `sigwait`. A signal that arrives while a flow
/// runs (`cancelling(_:_:)`) cancels it: running hooks finish or see the cancellation,
/// the checkpoint is marked `error` "cancelled", and the command exits 130. At any other
/// time it ends the process at once with 128 + the signal's number, as the default
/// action would. (A signal handler swapped in around the flow had a window in which a
/// signal was ignored.)
///
/// A hook that never returns cannot keep the process alive: a second signal, or the
/// grace period after the first (`--cancel-grace`, default 30 s), records the running
/// checkpoint or restore as failed ("cancelled; ...") and ends the process with 130 at
/// once, abandoning the hooks still running.
///
/// Signals are process-wide, so this state is too: one flag at a time.
enum Interrupts {
    private static let running = Mutex<(flag: CancellationFlag, grace: Double, signalled: Bool)?>(nil)
    /// Whether a signal cancelled a run of this process: a failed run exits 130 for that,
    /// 1 otherwise (the run's error text is not the test).
    private static let interrupted = Mutex(false)
    static var interruptedARun: Bool { interrupted.withLock { $0 } }
    /// `bulwark serve`'s handler for the first signal (a clean stop), and whether it came.
    private static let serving = Mutex<(stop: @Sendable (Int32) -> Void, signalled: Bool)?>(nil)

    static func install() {
        // A signal the parent set to be ignored stays ignored (a background job of a
        // script is started with SIGINT ignored, so that ^C reaches only the foreground).
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(number, nil, &current)
            let ignored = current.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) == 1 } ?? false  // SIG_IGN
            if !ignored { sigaddset(&signals, number) }
        }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let taken = signals
        let thread = Thread {
            var signals = taken
            while true {
                var number: Int32 = 0
                guard sigwait(&signals, &number) == 0 else { continue }
                var stderr = StandardError()
                if let handler = serving.withLock({ s -> (stop: @Sendable (Int32) -> Void, again: Bool)? in
                    guard let current = s else { return nil }
                    s?.signalled = true
                    return (current.stop, current.signalled)
                }) {
                    if handler.again { stopNow("signalled again while stopping") }
                    handler.stop(number)
                    continue
                }
                let state = running.withLock { r -> (flag: CancellationFlag, grace: Double, again: Bool)? in
                    guard let current = r else { return nil }
                    r?.signalled = true
                    return (current.flag, current.grace, current.signalled)
                }
                guard let state else {
                    print("\ninterrupted", to: &stderr)
                    exit(128 + number)
                }
                interrupted.withLock { $0 = true }
                if state.again {
                    stopNow("interrupted again")
                }
                print("\ninterrupted: cancelling; running hooks are finishing (interrupt again, or wait \(Int(state.grace)) s, to stop at once)", to: &stderr)
                state.flag.cancel()
                let flag = state.flag
                DispatchQueue.global().asyncAfter(deadline: .now() + state.grace) {
                    // Still the same run, still not finished: its hooks did not return in time.
                    if running.withLock({ $0?.flag === flag }) { stopNow("hooks still running \(Int(state.grace)) s after the interrupt") }
                }
            }
        }
        thread.name = "bulwark-signals"
        thread.start()
    }

    /// Record the running runs failed and end the process with 130, abandoning the
    /// hooks still running.
    private static func stopNow(_ why: String) -> Never {
        let reason = "cancelled; the process was stopped (\(why)) before every running hook returned"
        for run in RunningRuns.abandonAll(reason: reason) { printError("\(run) failed: \(reason)") }
        _exit(130)
    }

    /// Run `body` with SIGINT and SIGTERM cancelling `flag` instead of ending the process;
    /// `grace` seconds after the first signal, or at the second, the process ends.
    /// Until the process ends, the first SIGINT or SIGTERM calls `stop` (the server stops
    /// accepting and drains its operations); a second one records what still runs as
    /// failed and ends the process with 130 at once.
    static func serve(stop: @escaping @Sendable (Int32) -> Void) {
        serving.withLock { $0 = (stop, false) }
    }

    static func cancelling<T>(_ flag: CancellationFlag, grace: Double, _ body: () throws -> T) rethrows -> T {
        running.withLock { $0 = (flag, grace, false) }
        defer { running.withLock { $0 = nil } }
        return try body()
    }

}
