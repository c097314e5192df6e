import ArgumentParser
import BulwarkCore
import BulwarkJSON

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
        var values = JSONObject()
        if let parameters {
            do {
                let file = try ConfigFile.read(parameters)
                guard case .object(let o) = file.json else { throw file.error(at: "", "restore parameters must be a mapping of resource type to parameters") }
                values = o
            } catch let error as ConfigError {
                throw CLIError(error.description)
            }
        }
        let store = try RestoreStore(path: options.statePath)
        let flag = CancellationFlag()
        let record = try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) {
            try engine.restore(checkpointID: checkpoint, parameters: values, store: store, cancellation: flag)
        }
        options.emit(record.json) { record.id + "\n" }
        if let error = record.error {
            printError("restore \(record.id) failed: \(error)")
            throw error == "cancelled" ? ExitCode(130) : ExitCode.failure
        }
    }
}

struct RestoreListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List restores, newest first.")
    @OptionGroup var options: EngineOptions
    @Option(help: "Only this provider's restores.") var provider: String?

    func run() throws {
        let records = try RestoreStore(path: options.statePath).restores(providerID: provider)
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
        guard let record = try RestoreStore(path: options.statePath).restore(id) else {
            throw CLIError("no restore \(id) in \(options.statePath)")
        }
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
