import ArgumentParser

struct ScheduleResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused scheduled operation: it fires at its next fire time from now, not at once.")
    @OptionGroup var options: EngineOptions
    @Argument(help: "The scheduled operation's id.") var id: String

    func run() throws { try options.setEnabled(id, true) }
}
