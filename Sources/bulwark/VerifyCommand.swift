import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a checkpoint: run the plugins' verify operation over its resources.",
        discussion: """
            Nothing is restored: each protection plugin checks what the checkpoint holds for \
            its resources (a plugin without verify hooks passes its resources as they are). \
            --parameters names a YAML or JSON file of verify parameters by resource type and \
            by "type#id", checked against the plugins' verify schemas. Prints the \
            verification id; it is kept in the catalog (see restore show). Exits 1 when \
            the verification fails.
            """)

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The checkpoint to verify.", valueName: "id")) var checkpoint: String
    @Option(help: ArgumentHelp("Verify parameters (YAML or JSON).", valueName: "file")) var parameters: String?
    @OptionGroup var runOptions: RunOptions

    func validate() throws { try options.validateProject() }

    func run() throws {
        let engine = try options.open(provider, concurrency: runOptions.concurrency)
        let values = try parametersFile(parameters, what: "verify parameters")
        let catalog = try options.openCatalog()
        let flag = CancellationFlag()
        let verificationID = UUID().uuidString.lowercased()
        let log = OperationLog(projectID: options.projectID, operationType: .verify, providerID: engine.provider.id,
                               checkpointID: checkpoint, verificationID: verificationID)
        let record = try options.logged(log, engine: engine, catalog: catalog, failure: { (r: RestoreRecord) in r.error }) {
            try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) {
                try engine.verify(checkpointID: checkpoint, parameters: values, catalog: catalog, projectID: options.projectID,
                                  cancellation: flag, verificationID: verificationID)
            }
        }
        options.emit(record.json) { record.id + "\n" }
        if let error = record.error {
            printError("verification \(record.id) failed: \(error)")
            throw Interrupts.interruptedARun ? ExitCode(130) : ExitCode.failure
        }
    }
}
