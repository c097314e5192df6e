import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct CheckpointCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Protect a plan: run the protect flow and record a checkpoint.",
        discussion: """
            Prints the checkpoint id. The plan's parameters are validated against the \
            plugins' options schemas before anything runs. Exits 1 when the checkpoint ends \
            in error (its reason is printed), 130 when interrupted (Ctrl-C or SIGTERM: running \
            hooks finish, the checkpoint is marked error "cancelled"; a second signal, or \
            --cancel-grace seconds, stops at once), 70 when a plugin called exit() during the run.
            """,
        aliases: ["protect"])

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The plan file (YAML or JSON).", valueName: "file")) var plan: String
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        let engine = try options.open(provider, concurrency: runOptions.concurrency)
        let plan: Plan
        do { plan = try Plan.read(self.plan) } catch { throw CLIError(error.description) }
        let flag = CancellationFlag()
        let checkpoint = try Interrupts.cancelling(flag, grace: runOptions.cancelGrace) { try engine.protect(plan, cancellation: flag) }
        options.emit(checkpoint.summary) { checkpoint.id + "\n" }
        if let error = checkpoint.error {
            printError("checkpoint \(checkpoint.id) failed: \(error)")
            throw error == "cancelled" ? ExitCode(130) : ExitCode.failure
        }
    }
}
