import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct CheckpointShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a checkpoint and the status of each of its resources.")

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id (default: look in every provider).") var provider: String?
    @Argument(help: "The checkpoint id.") var id: String

    func run() throws {
        let (engine, checkpoint) = try find(id, provider: provider, options: options)
        let statuses = try engine.resourceStatuses(checkpoint)
        var json = checkpoint.summary
        if case .object(var o) = json {
            o["resources"] = .array(statuses.map { r, s in
                ["type": .string(r.type), "id": .string(r.id), "name": .string(r.name),
                 "status": s?["status"] ?? "protecting", "reason": s?["reason"] ?? .null]
            })
            json = .object(o)
        }
        options.emit(json) {
            var out = "checkpoint \(checkpoint.id)\nstatus: \(printable(checkpoint.status))\(checkpoint.error.map { " (\(printable($0)))" } ?? "")\n"
            out += "provider: \(printable(checkpoint.providerID))\nplan: \(printable(checkpoint.planName)) (\(printable(checkpoint.planID)))\ncreated: \(printable(checkpoint.createdAt))\n\n"
            out += table(["TYPE", "ID", "NAME", "STATUS", "REASON"], statuses.map { r, s in
                [r.type, r.id, r.name, s?["status"]?.stringValue ?? "protecting", s?["reason"]?.stringValue ?? ""]
            })
            return out
        }
    }
}

/// Find a checkpoint in one provider, or in each provider in turn.
func find(_ id: String, provider: String?, options: EngineOptions) throws -> (Engine, Checkpoint) {
    if let provider {
        let engine = try options.open(provider)
        return (engine, try engine.checkpoint(id))
    }
    // Look in each provider's bank alone, and open in full (every plugin) only the
    // provider that holds the checkpoint: another provider's broken plugins are no
    // reason to fail.
    for config in options.loadProviders(quiet: true).providers {
        guard let bank = try? Provider.openBank(config),
              let index = try? bank.getJSON(BankLayout.index(id)), Checkpoint(json: index).providerID == config.id else { continue }
        let engine = try options.open(config.id)
        return (engine, try engine.checkpoint(id))
    }
    throw CLIError("no checkpoint \(id) in any provider of \(options.providersDirectory)")
}
