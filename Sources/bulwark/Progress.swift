import BulwarkCore
import Foundation
import Glibc

/// Shows a flow's progress on standard error: a live line on a terminal (resources done
/// of total, failures, elapsed), plain lines at each tenth otherwise; and plugins'
/// warnings and errors (and info with --verbose).
final class Progress: EngineObserver, @unchecked Sendable {
    let verbose: Bool
    let live = isatty(2) == 1
    private let lock = NSLock()
    private var started: [BulwarkCore.Operation: Date] = [:]
    private var lastShown: Date = .distantPast
    private var lastTenth = -1

    init(verbose: Bool) { self.verbose = verbose }

    func progress(operation: BulwarkCore.Operation, done: Int, total: Int, failed: Int) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let start = started[operation] ?? now
        if started[operation] == nil { started[operation] = now }
        let elapsed = String(format: "%.1fs", now.timeIntervalSince(start))
        let text = "\(operation.rawValue): \(done)/\(total) resources, \(failed) failed, \(elapsed)"
        var stderr = StandardError()
        if live {
            guard done == total || now.timeIntervalSince(lastShown) > 0.1 else { return }
            lastShown = now
            print("\r\u{1B}[2K" + text, terminator: done == total ? "\n" : "", to: &stderr)
        } else {
            let tenth = total == 0 ? 10 : done * 10 / total
            guard tenth != lastTenth else { return }
            lastTenth = tenth
            print(text, to: &stderr)
        }
    }

    func log(plugin: String, level: PluginLogLevel, message: String) {
        guard level >= .warning || (verbose && level >= .info) else { return }
        var stderr = StandardError()
        let prefix = level >= .error ? "error" : level >= .warning ? "warning" : "info"
        print("\(live ? "\r\u{1B}[2K" : "")\(prefix): \(plugin): \(message)", to: &stderr)
    }
}
