import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

/// Options every engine command shares.
struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The directory of provider files (default: $BULWARK_PROVIDERS, else ./providers).", valueName: "dir"))
    var providers: String?

    @Option(name: [.customLong("catalog"), .customLong("state")],
            help: ArgumentHelp("The catalog: plans, restores, verifications and operation logs, shared with bulwark serve (default: $BULWARK_CATALOG, else $BULWARK_STATE, else ~/.local/state/bulwark/state.sqlite).", valueName: "file"))
    var catalog: String?

    @Option(help: ArgumentHelp("The project (Keystone tenant) to work in; plan files may name their own (default: default).", valueName: "id"))
    var project: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "Show the plugins' informational log lines too.")
    var verbose = false

    var providersDirectory: String {
        providers ?? ProcessInfo.processInfo.environment[ProviderDirectory.environmentVariable] ?? "providers"
    }

    var catalogPath: String { catalog ?? SQLiteCatalog.defaultPath() }

    var projectID: String { project ?? "default" }

    func validateProject() throws {
        if let project, !Plan.isValidID(project) {
            throw ValidationError("--project \"\(project)\" cannot be used: an id is made of A-Z a-z 0-9 _ . - and is not \".\" or \"..\"")
        }
    }

    /// The catalog, opened and brought up to date.
    func openCatalog() throws -> SQLiteCatalog {
        do { return try SQLiteCatalog(path: catalogPath) } catch { throw CLIError(error.description) }
    }

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

    func emit(_ json: JSON, text: () -> String) {
        switch output {
        case .json: printJSON(json)
        case .text: print(text(), terminator: "")
        }
    }
}

func printWarning(_ message: String) {
    var stderr = StandardError()
    print("warning: \(terminalSafe(message))", to: &stderr)
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1), which in a
/// plan's or resource's name could move the cursor, rewrite the screen or set the
/// window title, are shown escaped (`\u{1b}`), as is the backslash that starts an escape.
/// `keepingLayout` leaves newlines, tabs and backslashes as they are (for messages).
func printable(_ text: String, keepingLayout: Bool = false) -> String {
    func escaped(_ s: Unicode.Scalar) -> Bool {
        if keepingLayout, s == "\n" || s == "\t" { return false }
        return s.value < 0x20 || (0x7F...0x9F).contains(s.value) || (!keepingLayout && s == "\\")
    }
    guard text.unicodeScalars.contains(where: escaped) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        if !escaped(scalar) { out.unicodeScalars.append(scalar) } else if scalar == "\\" { out += "\\\\" } else { out += "\\u{\(String(scalar.value, radix: 16))}" }
    }
    return out
}

/// A fixed-width text table; every cell is made ``printable(_:)``.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let rows = rows.map { $0.map { printable($0) } }
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ") + "\n"
    }
    return line(header) + rows.map(line).joined()
}

extension EngineOptions {
    /// Run `body` with an operation log in the catalog: running while it runs, then its
    /// outcome (`failure` of the result, or the error thrown). A catalog that cannot be
    /// written only loses the log, never the operation.
    func logged<T>(_ log: OperationLog, engine: Engine, catalog: (any Catalog)?, failure: (T) -> String?,
                   _ body: () throws -> T) throws -> T {
        let entry = catalog.flatMap {
            try? LoggedOperation(log, catalog: $0, instance: engine.ownerID, ttl: UInt32(engine.provider.config.leaseTTL))
        }
        do {
            let result = try body()
            entry?.end(failure: failure(result))
            return result
        } catch {
            entry?.end(failure: "\(error)")
            throw error
        }
    }
}

/// A file of parameters by resource type and by "type#id" (YAML or JSON); empty for nil.
func parametersFile(_ path: String?, what: String) throws -> JSONObject {
    guard let path else { return JSONObject() }
    do {
        let file = try ConfigFile.read(path)
        guard case .object(let o) = file.json else { throw file.error(at: "", "\(what) must be a mapping of resource type to parameters") }
        return o
    } catch let error as ConfigError {
        throw CLIError(error.description)
    }
}
