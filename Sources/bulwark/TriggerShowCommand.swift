import ArgumentParser
import BulwarkCore

struct TriggerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a trigger of the catalog.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The trigger id.") var id: String

    func run() throws {
        let trigger = try options.catalogTrigger(id)
        options.emit(trigger.json) { describe(trigger) }
    }
}
