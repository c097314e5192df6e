import ArgumentParser

struct ProviderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "List and show the providers of the providers directory.",
        subcommands: [ProviderListCommand.self, ProviderShowCommand.self])
}
