import ArgumentParser
import BulwarkCore

struct ScheduleShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a scheduled operation.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The scheduled operation's id.") var id: String

    func run() throws {
        let operation = try options.catalogSchedule(id)
        options.emit(operation.json) { describe(operation) }
    }
}
