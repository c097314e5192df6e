import ArgumentParser
import BulwarkCore

struct ScheduleListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scheduled operations of the catalog.")
    @OptionGroup var options: EngineOptions

    func run() throws {
        let operations: [ScheduledOperationRecord]
        do { operations = try options.openCatalog().scheduledOperations(CatalogQuery(projectID: options.projectID)) } catch {
            throw CLIError("\(error)")
        }
        options.emit(.array(operations.map(\.json))) {
            table(["ID", "NAME", "TYPE", "TRIGGER", "PLAN", "ENABLED"], operations.map {
                [$0.id, $0.name, $0.operationType.rawValue, $0.triggerID, $0.planID, $0.enabled ? "yes" : "paused"]
            })
        }
    }
}
