import ArgumentParser

/// `bulwark protect` is `bulwark checkpoint create`.
struct ProtectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect",
        abstract: "Protect a plan (the same as checkpoint create).")

    @OptionGroup var create: CheckpointCreateCommand

    func run() throws { try create.run() }
}
