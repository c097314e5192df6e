import ArgumentParser
import BulwarkCore

struct TriggerDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a trigger that no scheduled operation uses.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The trigger id.") var id: String

    func run() throws {
        let trigger = try options.catalogTrigger(id)
        let outcome: TriggerDeletion
        do { outcome = try options.openCatalog().deleteTrigger(trigger.id) } catch { throw CLIError("\(error)") }
        switch outcome {
        case .deleted, .notFound: options.emit(["deleted": .string(trigger.id)]) { "trigger \(trigger.id) deleted\n" }
        case .inUse(let users):
            throw CLIError("trigger \(trigger.id) is used by scheduled operation\(users.count == 1 ? "" : "s") \(users.joined(separator: ", ")): delete \(users.count == 1 ? "it" : "them") first (bulwark schedule delete ID)")
        }
    }
}
