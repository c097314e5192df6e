import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct PlanShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a plan of the catalog.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The plan id.") var id: String

    func run() throws {
        let plan = try options.catalogPlan(id)
        options.emit(plan.json) {
            var out = "plan \(plan.id)\nname: \(printable(plan.name))\nstatus: \(plan.status.rawValue)\n"
            out += "provider: \(plan.providerID)\nproject: \(plan.projectID)\n"
            if !plan.description.isEmpty { out += "description: \(printable(plan.description))\n" }
            out += "\n" + table(["TYPE", "ID", "NAME"], plan.resources.map { [$0.type, printable($0.id), printable($0.name)] })
            return out
        }
    }
}

extension EngineOptions {
    /// A plan of the catalog in --project (any project's is "not found" for another).
    func catalogPlan(_ id: String) throws -> PlanRecord {
        let found: PlanRecord?
        do { found = try openCatalog().plan(id) } catch { throw CLIError("\(error)") }
        guard let plan = found, plan.projectID == projectID else {
            throw CLIError("no plan \(id) in project \(projectID) of catalog \(catalogPath) (see bulwark plan list)")
        }
        return plan
    }
}
