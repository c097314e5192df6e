import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct PlanListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the project's plans, newest first.")
    @OptionGroup var options: EngineOptions
    @Flag(help: "Plans of every project, not only --project's.") var allProjects = false

    func validate() throws { try options.validateProject() }

    func run() throws {
        let plans: [PlanRecord]
        do { plans = try options.openCatalog().plans(CatalogQuery(projectID: allProjects ? nil : options.projectID)) } catch {
            throw CLIError("\(error)")
        }
        options.emit(.array(plans.map(\.json))) {
            table(["ID", "NAME", "PROVIDER", "STATUS", "PROJECT", "RESOURCES"], plans.map {
                [$0.id, printable($0.name), $0.providerID, $0.status.rawValue, $0.projectID, String($0.resources.count)]
            })
        }
    }
}
