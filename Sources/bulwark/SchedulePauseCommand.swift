import ArgumentParser
import BulwarkCore
import Foundation

struct SchedulePauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a scheduled operation: it does not fire until resumed (a run going on finishes).")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The scheduled operation's id.") var id: String

    func run() throws { try options.setEnabled(id, false) }
}

extension EngineOptions {
    /// Pause or resume; resuming counts fire times from now on, so it never fires at once.
    func setEnabled(_ id: String, _ enabled: Bool) throws {
        var operation = try catalogSchedule(id)
        if operation.enabled != enabled {
            operation.enabled = enabled
            operation.updatedAt = Date().timeIntervalSince1970
            if enabled { operation.activeSince = operation.updatedAt }
            let changed = operation
            do { _ = try openCatalog().updateScheduledOperation(changed) } catch { throw CLIError("\(error)") }
        }
        let done = operation
        emit(done.json) { "scheduled operation \(done.id) \(enabled ? "resumed" : "paused")\n" }
    }
}
