import ArgumentParser

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Time triggers: see when a pattern fires before trusting it.",
        subcommands: [TriggerPreviewCommand.self])
}
