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
            hooks finish, the checkpoint is marked error "cancelled").
            """,
        aliases: ["protect"])

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The plan file (YAML or JSON).", valueName: "file")) var plan: String
    @Option(help: "How many hooks may run at once (default: the provider's concurrency).") var concurrency: Int?

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() throws {
        let engine = try options.open(provider, concurrency: concurrency)
        let plan: Plan
        do { plan = try Plan.read(self.plan) } catch { throw CLIError(error.description) }
        let flag = CancellationFlag()
        let checkpoint = try Interrupts.cancelling(flag) { try engine.protect(plan, cancellation: flag) }
        options.emit(checkpoint.summary) { checkpoint.id + "\n" }
        if let error = checkpoint.error {
            printError("checkpoint \(checkpoint.id) failed: \(error)")
            throw error == "cancelled" ? ExitCode(130) : ExitCode.failure
        }
    }
}
