import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct TriggerListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the triggers of the catalog, newest first.")
    @OptionGroup var options: EngineOptions

    func run() throws {
        let triggers: [TriggerRecord]
        do { triggers = try options.openCatalog().triggers(CatalogQuery(projectID: options.projectID)) } catch { throw CLIError("\(error)") }
        options.emit(.array(triggers.map(\.json))) {
            table(["ID", "NAME", "FORMAT", "PATTERN", "TIMEZONE"], triggers.map { t in
                let p = t.propertyMap
                return [t.id, t.name, p["format"] ?? "", p["pattern"] ?? "", p["timezone"] ?? "UTC"]
            })
        }
    }
}
