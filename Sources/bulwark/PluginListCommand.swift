import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct PluginListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the plugin libraries on the search path.",
        discussion: """
            The search path is: each --plugin-path given here, then BULWARK_PLUGIN_PATH \
            (colon-separated directories or files), then the directory holding the bulwark \
            executable. Libraries that fail to load are listed with the reason; the exit \
            code is 1 when any did.
            """)

    @Option(name: .customLong("plugin-path"), help: "A directory or library to search first (repeatable).")
    var pluginPaths: [String] = []

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let searchPath = PluginSearchPath(providerPaths: pluginPaths)
        let registry = PluginRegistry.discover(searchPath, loader: PluginLoader())
        switch output {
        case .json:
            printJSON([
                "search_path": .array(searchPath.entries.map { .string($0) }),
                "libraries": .array(registry.libraries.map(LibraryDescription.json)),
                "problems": .array(registry.problems.map { ["file": .string($0.path), "error": .string($0.reason)] }),
            ])
        case .text:
            print("search path: \(searchPath.entries.joined(separator: ":"))")
            if registry.libraries.isEmpty { print("no plugin libraries found") }
            for library in registry.libraries {
                let provides = library.protectables.map { "protectable \($0.resourceType)" }
                    + library.protections.map { "protection \($0.name)" }
                    + library.banks.map { "bank \($0.name)" }
                print("\(library.name) \(library.version) (ABI \(library.abiVersion)) \(library.path)")
                for p in provides { print("  \(p)") }
            }
            for problem in registry.problems { printError(problem.description) }
        }
        if !registry.problems.isEmpty { throw ExitCode.failure }
    }
}
