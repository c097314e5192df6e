import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct PluginInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load one plugin library and show what it provides.",
        discussion: """
            Loads FILE through the same loader providers use and prints the library's name, \
            version and plugin ABI version, and each protectable (resource type, parent \
            types), protection plugin (types, hooks, schemas) and bank plugin in it. A \
            library that cannot be loaded is reported in one line naming the file, with \
            exit code 1.
            """)

    @Argument(help: "The plugin library (.so) to load.")
    var file: String

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let library: LoadedLibrary
        do {
            library = try PluginLoader().load(path: file)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        switch output {
        case .json: printJSON(LibraryDescription.json(library))
        case .text: print(LibraryDescription.text(library), terminator: "")
        }
    }
}
