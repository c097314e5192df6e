import ArgumentParser
import BulwarkCore
import Foundation

struct TriggerUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a trigger's name or properties (those not given keep their values).")
    @OptionGroup var options: EngineOptions
    @OptionGroup var properties: TriggerPropertyOptions
    @Option(help: "A new name.") var name: String?
    @Argument(help: "The trigger id.") var id: String

    func run() throws {
        var trigger = try options.catalogTrigger(id)
        if let name { trigger.name = name }
        var merged = trigger.propertyMap
        for (key, value) in properties.given { merged[key] = value }
        trigger.properties = try properties.check(merged).properties
        trigger.updatedAt = Date().timeIntervalSince1970
        let updated = trigger
        do { _ = try options.openCatalog().updateTrigger(updated) } catch { throw CLIError("\(error)") }
        options.emit(trigger.json) { describe(updated) }
    }
}
