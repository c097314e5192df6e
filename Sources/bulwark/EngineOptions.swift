import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

/// Options every engine command shares.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The directory of provider files (default: $BULWARK_PROVIDERS, else ./providers).", valueName: "dir"))
    var providers: String?

    @Option(help: ArgumentHelp("The local state database for restores (default: $BULWARK_STATE, else ~/.local/state/bulwark/state.sqlite).", valueName: "file"))
    var state: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Show the plugins' informational log lines too.")
    var verbose = false

    var providersDirectory: String {
        providers ?? ProcessInfo.processInfo.environment[ProviderDirectory.environmentVariable] ?? "providers"
    }

    var statePath: String { state ?? RestoreStore.defaultPath() }

    /// Load the providers directory, reporting broken providers (the others still load).
    func loadProviders(quiet: Bool = false) -> ProviderDirectory {
        let directory = ProviderDirectory.load(providersDirectory)
        if !quiet {
            for problem in directory.problems { printWarning("provider skipped: \(problem)") }
        }
        return directory
    }

    /// Open provider `id` and recover runs orphaned by a crashed engine.
    func open(_ id: String, concurrency: Int? = nil) throws -> Engine {
        let directory = loadProviders()
        guard let config = directory.providers.first(where: { $0.id == id }) else {
            if let disabled = directory.disabled.first(where: { $0.id == id }) {
                throw CLIError("provider \(id) is disabled (\(disabled.file) says enabled: false)")
            }
            let known = directory.providers.map(\.id)
            throw CLIError("no provider \(id) in \(providersDirectory)\(known.isEmpty ? "" : "; the providers are: \(known.joined(separator: ", "))")")
        }
        let provider: Provider
        do { provider = try Provider.open(config) } catch { throw CLIError(error.description) }
        let engine = Engine(provider: provider, concurrency: concurrency, observer: Progress(verbose: verbose))
        let recovered = try engine.recoverOrphans()
        for id in recovered { printWarning("checkpoint \(id) was left unfinished by a stopped engine; marked error") }
        return engine
    }

    /// Every enabled provider that opens, for commands that look a checkpoint up anywhere.
    func openAll() -> [Engine] {
        loadProviders().providers.compactMap { config in
            guard let provider = try? Provider.open(config) else { return nil }
            return Engine(provider: provider, observer: Progress(verbose: verbose))
        }
    }

    func emit(_ json: JSON, text: () -> String) {
        switch output {
        case .json: printJSON(json)
        case .text: print(text(), terminator: "")
        }
    }
}

func printWarning(_ message: String) {
    var stderr = StandardError()
    print("warning: \(message)", to: &stderr)
}

/// A fixed-width text table.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ") + "\n"
    }
    return line(header) + rows.map(line).joined()
}
