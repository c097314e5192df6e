import ArgumentParser
import BulwarkCore

struct CheckpointDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a checkpoint: run the delete flow, then remove its objects and indices.",
        discussion: "On failure the checkpoint is kept, error-deleting, with the reason; run delete again to retry.")

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id (default: look in every provider).") var provider: String?
    @Argument(help: "The checkpoint id.") var id: String
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let (engine, checkpoint) = try find(id, provider: provider, options: options)
        let flag = CancellationFlag()
        let log = OperationLog(projectID: checkpoint.projectID, operationType: .delete, providerID: engine.provider.id,
                               checkpointID: checkpoint.id, planID: checkpoint.planID)
        try options.logged(log, engine: engine, catalog: try? options.openCatalog(), failure: { _ in nil }) {
            try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) { try engine.delete(checkpoint.id, cancellation: flag) }
        }
        options.emit(["id": .string(checkpoint.id), "status": "deleted"]) { "deleted \(checkpoint.id)\n" }
    }
}
