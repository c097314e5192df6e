import Foundation

/// `bulwark serve`, started as a separate process on 127.0.0.1 with a port of its own
/// choosing, its output going to files in `directory`. Stopped (SIGKILL) when dropped,
/// unless stopped before.
public final class ServeProcess: @unchecked Sendable {
    public let process: BackgroundProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Start with `config` (the YAML text, written to `<label>.yaml`) in `directory`;
    /// waits until the server says it listens.
    public init(config: String, directory: URL, label: String = "serve", environment: [String: String]? = nil) throws {
        let file = directory.appendingPathComponent("\(label).yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        process = try TestSupport.startBulwark(["serve", "--config", file.path, "--port", "0"],
                                               environment: environment ?? ProcessInfo.processInfo.environment,
                                               directory: directory, label: label, workingDirectory: directory)
        var found: Int?
        let started = process
        try TestSupport.waitFor("bulwark serve to listen (stderr: \(label).err)", timeout: 120) {
            if !started.process.isRunning {
                throw TestSupportError("bulwark serve exited with \(started.process.terminationStatus): \(started.stderr)")
            }
            if let line = started.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
               let text = line.split(separator: ":").last, let p = Int(text) {
                found = p
            }
            return found != nil
        }
        port = found!
    }

    /// Send `signal` and wait for the process to end; returns its exit status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        if process.process.isRunning { kill(process.process.processIdentifier, signal) }
        return process.wait()
    }

    deinit {
        if process.process.isRunning {
            kill(process.process.processIdentifier, SIGKILL)
            process.process.waitUntilExit()
        }
    }
}

/// python-karborclient 2.1.0, unchanged, from the venv scripts/karborclient.sh makes.
public enum KarborClient {
    public static var venv: String {
        ProcessInfo.processInfo.environment["BULWARK_KARBORCLIENT_VENV"]
            ?? ((ProcessInfo.processInfo.environment["PEERS_DIR"] ?? "/tmp/bulwark-peers") + "/karborclient")
    }

    /// `karbor --os-no-client-auth --karbor-url URL/v1/PROJECT --os-auth-token TOKEN ...`.
    public static func run(_ url: String, project: String, token: String, _ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(venv + "/bin/karbor", ["--os-no-client-auth", "--karbor-url", "\(url)/v1/\(project)", "--os-auth-token", token]
                            + arguments)
    }

    /// A `karbor` table's rows, as cells (the header row excluded); a cell's further lines
    /// (a row whose first cell is empty) are joined to it with newlines.
    public static func rows(_ table: String) -> [[String]] {
        let lines = table.split(separator: "\n").filter { $0.hasPrefix("|") }
        var rows: [[String]] = []
        for line in lines.dropFirst() {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let first = cells.first, first.isEmpty, var last = rows.last, last.count == cells.count {
                for (i, cell) in cells.enumerated() where !cell.isEmpty { last[i] += "\n" + cell }
                rows[rows.count - 1] = last
            } else {
                rows.append(cells)
            }
        }
        return rows
    }

    /// A `karbor ...-show` table as property -> value (multi-line values joined).
    public static func properties(_ table: String) -> [String: String] {
        var result: [String: String] = [:]
        for row in rows(table) where row.count >= 2 { result[row[0]] = row[1] }
        return result
    }
}
