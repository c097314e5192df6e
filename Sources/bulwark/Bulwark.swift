import BulwarkCore
import Glibc
import ArgumentParser

@main
struct Bulwark: ParsableCommand {
    /// Errors of the engine and of configuration files print as one `error:` line and
    /// exit 1; usage errors keep ArgumentParser's usage text.
    static func main() {
        AllocatorTuning.forLargeTransfers()
        Interrupts.install()
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
                      ProtectCommand.self, RestoreCommand.self, PluginCommand.self, SchemaCommand.self])
}
