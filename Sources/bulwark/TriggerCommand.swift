import ArgumentParser

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Time triggers of the catalog, and what a pattern means before you trust it.",
        discussion: """
            Triggers live in the catalog bulwark serve uses: one created here is seen by \
            the server within a heartbeat. A trigger fires scheduled operations (see \
            bulwark schedule).
            """,
        subcommands: [TriggerCreateCommand.self, TriggerListCommand.self, TriggerShowCommand.self, TriggerUpdateCommand.self,
                      TriggerDeleteCommand.self, TriggerPreviewCommand.self])
}
