import ArgumentParser

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Create (protect), list, show and delete checkpoints.",
        subcommands: [CheckpointCreateCommand.self, CheckpointListCommand.self, CheckpointShowCommand.self, CheckpointDeleteCommand.self])
}
