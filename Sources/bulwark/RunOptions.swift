import ArgumentParser

/// Options of the commands that run a flow (protect, restore, delete).
struct RunOptions: ParsableArguments {
    /// As the provider file's own bound (schemas/provider.schema.json).
    static let maximumConcurrency = 4096

    @Option(parsing: .unconditional,
            help: ArgumentHelp("How many hooks may run at once, 1 to \(maximumConcurrency) (default: the provider's concurrency).", valueName: "n"))
    var concurrency: Int?

    @Option(name: .customLong("cancel-grace"), parsing: .unconditional,
            help: ArgumentHelp("""
                Seconds that running hooks get to finish after Ctrl-C or SIGTERM; then (or at a second signal) the run is \
                recorded failed and the process ends with 130.
                """, valueName: "seconds"))
    var cancelGrace: Double = 30

    func validate() throws {
        if let concurrency, !(1...Self.maximumConcurrency).contains(concurrency) {
            throw ValidationError("--concurrency must be a whole number from 1 to \(Self.maximumConcurrency) (got \(concurrency))")
        }
        if !(cancelGrace > 0 && cancelGrace <= 86_400) {
            throw ValidationError("--cancel-grace must be a number of seconds above 0 and at most 86400 (got \(cancelGrace))")
        }
    }
}
