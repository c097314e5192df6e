import ArgumentParser

@main
struct Bulwark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "Karbor-style data protection: plugins, providers, checkpoints and restores.",
        discussion: """
            Bulwark loads protectable, protection and bank plugins from shared libraries \
            through a stable C ABI (see docs/writing-plugins.md).
            """,
        subcommands: [ProviderCommand.self, ProtectableCommand.self, GraphCommand.self, CheckpointCommand.self,
                      ProtectCommand.self, RestoreCommand.self, PluginCommand.self, SchemaCommand.self])
}
