import BulwarkCore
import Glibc
import ArgumentParser

/// Not isolated to the main actor: exit handlers run on whichever thread called exit().
private func exitHandler(_ status: Int32, _: UnsafeMutableRawPointer?) { RunningRuns.guardExit(status: status) }

@main
struct Bulwark: ParsableCommand {
    /// Errors of the engine and of configuration files print as one `error:` line and
    /// exit 1; usage errors keep ArgumentParser's usage text.
    static func main() {
        AllocatorTuning.forLargeTransfers()
        Interrupts.install()
        // A plugin that calls exit() in a hook must not end a run with a success status.
        on_exit(exitHandler, nil)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as EngineError {
            printError(error.description)
            Glibc.exit(1)
        } catch let error as ConfigError {
            printError(error.description)
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "Karbor-style data protection: plugins, providers, checkpoints and restores.",
        discussion: """
            Bulwark loads protectable, protection and bank plugins from shared libraries \
            through a stable C ABI (see docs/writing-plugins.md).
            """,
        subcommands: [ProviderCommand.self, ProtectableCommand.self, GraphCommand.self, CheckpointCommand.self,
                      ProtectCommand.self, PlanCommand.self, RestoreCommand.self, VerifyCommand.self, ServeCommand.self, TriggerCommand.self, ScheduleCommand.self, PluginCommand.self, SchemaCommand.self])
}
