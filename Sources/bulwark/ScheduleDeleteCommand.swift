import ArgumentParser
import BulwarkCore

struct ScheduleDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a scheduled operation (its checkpoints stay).")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The scheduled operation's id.") var id: String

    func run() throws {
        let operation = try options.catalogSchedule(id)
        do { _ = try options.openCatalog().deleteScheduledOperation(operation.id) } catch { throw CLIError("\(error)") }
        options.emit(["deleted": .string(operation.id)]) { "scheduled operation \(operation.id) deleted\n" }
    }
}
