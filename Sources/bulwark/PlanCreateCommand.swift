import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

struct PlanCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Put a plan file into the catalog (it starts suspended, as in Karbor).",
        discussion: """
            The file is a plan file as `bulwark protect --plan` reads (YAML or JSON): \
            resources, parameters, and optionally name, provider_id and project_id. Its \
            provider must be one of --providers, and its parameters must pass the plugins' \
            options schemas. Prints the new plan's id.
            """)

    @OptionGroup var options: EngineOptions
    @Argument(help: ArgumentHelp("The plan file (YAML or JSON).", valueName: "file")) var file: String
    @Option(help: "The provider id, when the file names none (or to override it).") var provider: String?
    @Option(help: "The plan's name (default: the file's, else its file name).") var name: String?
    @Option(help: "A description.") var description: String = ""
    @Option(name: .customLong("hook"),
            help: ArgumentHelp("Run a hook of the provider file in a phase (pre_protect, post_protect, pre_restore, post_restore); repeat for more.", valueName: "phase=name"))
    var hooks: [String] = []

    func validate() throws { try options.validateProject() }

    func run() throws {
        var plan: Plan
        do { plan = try Plan.read(file) } catch { throw CLIError("\(error)") }
        guard let providerID = provider ?? (plan.providerID.isEmpty ? nil : plan.providerID) else {
            throw CLIError("\(file) names no provider_id: give --provider")
        }
        plan.providerID = providerID
        if let project = options.project { plan.projectID = project }
        let engine = try options.open(providerID)
        do { try engine.check(plan) } catch { throw CLIError("\(error)") }
        let record = PlanRecord(projectID: plan.projectID, name: name ?? plan.name, description: description,
                                providerID: providerID, resources: plan.resources, parameters: plan.parameters,
                                hooks: hooks.isEmpty ? [:] : try options.planHooks(hooks, provider: providerID))
        do { try options.openCatalog().createPlan(record, quota: -1) } catch { throw CLIError("\(error)") }
        options.emit(record.json) { record.id + "\n" }
    }
}
