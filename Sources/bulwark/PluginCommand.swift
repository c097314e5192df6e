import ArgumentParser

struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Inspect plugin libraries and the plugin search path.",
        subcommands: [PluginInspectCommand.self, PluginListCommand.self])
}
