import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

struct CheckpointCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Protect a plan: run the protect flow and record a checkpoint.",
        discussion: """
            Prints the checkpoint id. The plan's parameters are validated against the \
            plugins' options schemas before anything runs. Exits 1 when the checkpoint ends \
            in error (its reason is printed), 130 when interrupted (Ctrl-C or SIGTERM: running \
            hooks finish, the checkpoint is marked error "cancelled"; a second signal, or \
            --cancel-grace seconds, stops at once), 70 when a plugin called exit() during the run.
            """,
        aliases: ["protect"])

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The plan file (YAML or JSON).", valueName: "file")) var plan: String?
    @Option(help: ArgumentHelp("A plan of the catalog (see bulwark plan create).", valueName: "id")) var planId: String?
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if (plan == nil) == (planId == nil) { throw ValidationError("give the plan as either --plan FILE or --plan-id ID") }
        try options.validateProject()
    }

    func run() throws {
        let engine = try options.open(provider, concurrency: runOptions.concurrency)
        let catalog = try options.openCatalog()
        var plan: Plan
        var hooks: PlanHooks?
        var planRecord: PlanRecord?
        if let planId {
            let record: PlanRecord?
            do { record = try catalog.plan(planId) } catch { throw CLIError(error.description) }
            guard let record, record.projectID == options.projectID else {
                throw CLIError("no plan \(planId) in project \(options.projectID) of catalog \(options.catalogPath) (see bulwark plan list)")
            }
            if !record.hooks.isEmpty {
                do { hooks = try PlanHooks(names: record.hooks, provider: engine.provider.config) } catch {
                    throw CLIError("plan \(planId): \(error.message)")
                }
            }
            planRecord = record
            plan = record.plan
        } else {
            do { plan = try Plan.read(self.plan!) } catch { throw CLIError(error.description) }
            if let project = options.project, plan.source?.json["project_id"] == nil { plan.projectID = project }
        }
        let flag = CancellationFlag()
        let checkpointID = UUID().uuidString.lowercased()
        let log = OperationLog(projectID: plan.projectID, operationType: .protect, providerID: engine.provider.id,
                               checkpointID: checkpointID, planID: plan.id, extraInfo: JSONObject([("created_by", "manual")]))
        let protected = plan
        let ran = hooks
        let record = planRecord
        let checkpoint = try options.logged(log, engine: engine, catalog: catalog, failure: { (c: Checkpoint) in
            c.status == CheckpointStatus.available.rawValue ? nil : (c.error ?? c.status)
        }) {
            try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) {
                // The plan's hooks, as bulwark serve runs them (docs/service.md, Plan hooks).
                let pending = try engine.beginProtect(protected, cancellation: flag, checkpointID: checkpointID)
                guard let ran else { return try pending.run() ?? pending.initial }
                let run = ran.protect(pending, plan: record, providerID: engine.provider.id)
                do { return try run.run() ?? pending.initial } catch { return try engine.checkpoint(checkpointID) }
            }
        }
        options.keepHookReports(ran, catalog: catalog, project: plan.projectID, filter: ["checkpoint_id": checkpointID])
        options.emit(checkpoint.summary) { checkpoint.id + "\n" }
        if let error = checkpoint.error {
            printError("checkpoint \(checkpoint.id) failed: \(error)")
            throw Interrupts.interruptedARun ? ExitCode(130) : ExitCode.failure
        }
    }
}

extension EngineOptions {
    /// Keep what a run's hooks reported in its operation log, as the server does.
    func keepHookReports(_ hooks: PlanHooks?, catalog: any Catalog, project: String, filter: [String: String]) {
        guard let hooks, hooks.ran, var log = try? catalog.logs(CatalogQuery(projectID: project, filters: filter)).first else { return }
        log.extraInfo["hooks"] = hooks.json
        try? catalog.saveLog(log, leaseTTL: 0)
    }
}
