import ArgumentParser
import BulwarkCore

struct PlanDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a plan from the catalog (its checkpoints stay in the bank).")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The plan id.") var id: String

    func run() throws {
        let plan = try options.catalogPlan(id)
        do { _ = try options.openCatalog().deletePlan(plan.id) } catch { throw CLIError("\(error)") }
        options.emit(["deleted": .string(plan.id)]) { "plan \(plan.id) deleted\n" }
    }
}
