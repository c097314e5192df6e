import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct ProviderListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the providers: enabled, disabled, and broken ones with the reason.",
        discussion: "Exits 1 when any provider file is broken (the others are still listed).")

    @OptionGroup var options: EngineOptions

    func run() throws {
        let directory = options.loadProviders(quiet: true)
        let rows = directory.providers.map { [$0.id, $0.name, "enabled", $0.file] }
            + directory.disabled.map { [$0.id, $0.name, "disabled", $0.file] }
        options.emit([
            "providers": .array(directory.providers.map { providerJSON($0, enabled: true) } + directory.disabled.map { providerJSON($0, enabled: false) }),
            "problems": .array(directory.problems.map { .string($0.description) }),
        ]) {
            table(["ID", "NAME", "STATE", "FILE"], rows)
        }
        for problem in directory.problems { printError(problem.description) }
        if !directory.problems.isEmpty { throw ExitCode.failure }
    }
}

func providerJSON(_ c: ProviderConfig, enabled: Bool) -> JSON {
    ["id": .string(c.id), "name": .string(c.name), "description": .string(c.description), "enabled": .bool(enabled),
     "file": .string(c.file), "plugins": .array(c.plugins.map { .string($0.name) }), "bank": .string(c.bankPlugin)]
}
