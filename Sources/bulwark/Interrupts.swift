import BulwarkCore
import Dispatch
import Glibc

/// SIGINT and SIGTERM cancel the running flow instead of killing the process: running
/// hooks finish or see the cancellation, the checkpoint is marked `error` "cancelled",
/// and the command exits 130.
enum Interrupts {
    static func cancelling(_ flag: CancellationFlag) -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "bulwark-signals")
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                var stderr = StandardError()
                print("\ninterrupted: cancelling; running hooks are finishing", to: &stderr)
                flag.cancel()
            }
            source.resume()
            return source
        }
    }
}
