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
/// Signals are process-wide, so this state is too: one flag at a time.
enum Interrupts {
    private static let running = Mutex<CancellationFlag?>(nil)

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
                if let flag = running.withLock({ $0 }) {
                    print("\ninterrupted: cancelling; running hooks are finishing", to: &stderr)
                    flag.cancel()
                } else {
                    print("\ninterrupted", to: &stderr)
                    exit(128 + number)
                }
            }
        }
        thread.name = "bulwark-signals"
        thread.start()
    }

    /// Run `body` with SIGINT and SIGTERM cancelling `flag` instead of ending the process.
    static func cancelling<T>(_ flag: CancellationFlag, _ body: () throws -> T) rethrows -> T {
        running.withLock { $0 = flag }
        defer { running.withLock { $0 = nil } }
        return try body()
    }

}
