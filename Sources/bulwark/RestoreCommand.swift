import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore checkpoints, and list and show restores.",
        subcommands: [RestoreCreateCommand.self, RestoreListCommand.self, RestoreShowCommand.self])
}

struct RestoreCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Restore a checkpoint.",
        discussion: """
            --parameters names a YAML or JSON file of restore parameters by resource type \
            and by "type#id", validated against the plugins' restore schemas first. Prints the \
            restore id; the restore (status, per-resource results, old -> new ids) is kept in \
            the local state database: see restore show. Exits 1 when the restore fails.
            """)

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The checkpoint to restore.", valueName: "id")) var checkpoint: String
    @Option(help: ArgumentHelp("Restore parameters (YAML or JSON).", valueName: "file")) var parameters: String?
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let engine = try options.open(provider, concurrency: runOptions.concurrency)
        let values = try parametersFile(parameters, what: "restore parameters")
        let catalog = try options.openCatalog()
        let flag = CancellationFlag()
        let restoreID = UUID().uuidString.lowercased()
        let log = OperationLog(projectID: options.projectID, operationType: .restore, providerID: engine.provider.id,
                               checkpointID: checkpoint, restoreID: restoreID)
        // The restore hooks of the checkpoint's plan, when it is in the catalog.
        let plan: PlanRecord? = (try? engine.checkpoint(checkpoint)).flatMap { try? catalog.plan($0.planID) }
        var hooks: PlanHooks?
        if let plan, !plan.hooks.isEmpty {
            do { hooks = try PlanHooks(names: plan.hooks, provider: engine.provider.config) } catch {
                throw CLIError("plan \(plan.id): \(error.message)")
            }
        }
        let ran = hooks
        let project = options.projectID
        let record = try options.logged(log, engine: engine, catalog: catalog, failure: { (r: RestoreRecord) in r.error }) {
            try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) {
                let pending = try engine.beginRestore(checkpointID: checkpoint, parameters: values, catalog: catalog, projectID: project,
                                                      cancellation: flag, restoreID: restoreID)
                guard let ran else { return try pending.run() ?? pending.initial }
                do { return try ran.restore(pending, plan: plan, providerID: engine.provider.id).run() ?? pending.initial } catch {
                    return try catalog.restore(restoreID) ?? pending.initial
                }
            }
        }
        options.keepHookReports(hooks, catalog: catalog, project: options.projectID, filter: ["restore_id": restoreID])
        options.emit(record.json) { record.id + "\n" }
        if let error = record.error {
            printError("restore \(record.id) failed: \(error)")
            throw Interrupts.interruptedARun ? ExitCode(130) : ExitCode.failure
        }
    }
}

struct RestoreListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List restores, newest first.")
    @OptionGroup var options: EngineOptions
    @Option(help: "Only this provider's restores.") var provider: String?
    @Flag(help: "Restores of every project, not only --project's.") var allProjects = false

    func run() throws {
        let records: [RestoreRecord]
        do {
            records = try options.openCatalog().restores(CatalogQuery(projectID: allProjects ? nil : options.projectID,
                                                                      filters: provider.map { ["provider_id": $0] } ?? [:]))
        } catch let error as CatalogError {
            throw CLIError(error.description)
        }
        options.emit(.array(records.map(\.json))) {
            table(["ID", "STATUS", "PROVIDER", "CHECKPOINT"], records.map { [$0.id, $0.status.rawValue, $0.providerID, $0.checkpointID] })
        }
    }
}

struct RestoreShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a restore: status, each resource's result, old -> new ids.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The restore id.") var id: String

    func run() throws {
        let found: RestoreRecord?
        do { found = try options.openCatalog().restore(id) } catch { throw CLIError("\(error)") }
        guard let record = found else { throw CLIError("no restore \(id) in catalog \(options.catalogPath)") }
        options.emit(record.json) {
            var out = "restore \(record.id)\nstatus: \(record.status.rawValue)\(record.error.map { " (\(printable($0)))" } ?? "")\n"
            out += "provider: \(record.providerID)\ncheckpoint: \(record.checkpointID)\n\n"
            out += table(["RESOURCE", "STATUS", "NEW ID", "REASON"], record.resources.map { key, value in
                [key, value["status"]?.stringValue ?? "", value["new_id"]?.stringValue ?? "", value["reason"]?.stringValue ?? ""]
            })
            return out
        }
    }
}
