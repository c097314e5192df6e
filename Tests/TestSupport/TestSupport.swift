import Foundation

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The package's root directory (this file is Tests/TestSupport/TestSupport.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The build output holding the test binary, the `bulwark` executable and the shipped
    /// plugin libraries (`swift build` must have run first; `scripts/test.sh` does).
    public static let buildDirectory: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test binary may sit inside a .xctest bundle directory.
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir
    }()

    public static let pluginHeaderDirectory = packageRoot.appendingPathComponent("Sources/CBulwarkPlugin/include")

    /// A shipped plugin library from the build output, e.g. "BulwarkNoop".
    public static func shippedPlugin(_ product: String) -> String {
        buildDirectory.appendingPathComponent("lib\(product).so").path
    }

    /// A new empty directory under the system's temporary directory.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Compile C sources into a shared library with the system's `cc`, from the plugin
    /// header alone, as a third party would. scripts/sanitize.sh names another compiler
    /// and more flags (`BULWARK_TEST_CC`, `BULWARK_TEST_CFLAGS`: the UBSan run).
    public static func compilePlugin(_ sources: [String], defines: [String] = [], output: URL) throws {
        let environment = ProcessInfo.processInfo.environment
        var arguments = ["-std=c11", "-Wall", "-Werror", "-Wno-unused-function", "-Wno-unused-variable",
                         "-shared", "-fPIC", "-I", pluginHeaderDirectory.path]
        arguments += (environment["BULWARK_TEST_CFLAGS"] ?? "").split(separator: " ").map(String.init)
        arguments += defines.map { "-D\($0)" }
        arguments += sources.map { packageRoot.appendingPathComponent($0).path }
        arguments += ["-o", output.path, "-lpthread"]
        let result = try run("/usr/bin/env", [environment["BULWARK_TEST_CC"] ?? "cc"] + arguments)
        guard result.status == 0 else {
            throw TestSupportError("cc failed (\(result.status)): \(result.stderr)")
        }
    }

    public struct ProcessResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Run a program to completion, capturing both streams.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           stdin: String? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither fills and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Poll `condition` every `poll` seconds until it holds; throws, naming `what`, when it
    /// still does not after `timeout` seconds. For states a busy machine reaches late.
    public static func waitFor(_ what: String, timeout: Double = 120, poll: Double = 0.05,
                               _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            if Date() > deadline { throw TestSupportError("gave up after \(Int(timeout)) s waiting for \(what)") }
            Thread.sleep(forTimeInterval: poll)
        }
    }

    /// Start the built `bulwark` executable in the background, its output going to files
    /// (`<label>.out`, `<label>.err` in `directory`) so that it never blocks on a pipe.
    public static func startBulwark(_ arguments: [String], environment: [String: String], directory: URL,
                                    label: String, workingDirectory: URL? = nil) throws -> BackgroundProcess {
        let process = Process()
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.executableURL = buildDirectory.appendingPathComponent("bulwark")
        process.arguments = arguments
        process.environment = environment
        let out = directory.appendingPathComponent("\(label).out"), err = directory.appendingPathComponent("\(label).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return BackgroundProcess(process: process, out: out, err: err)
    }

    /// Run the built `bulwark` executable.
    public static func bulwark(_ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil) throws -> ProcessResult {
        try run(buildDirectory.appendingPathComponent("bulwark").path, arguments, environment: environment, stdin: stdin)
    }
}

/// A process started by ``TestSupport/startBulwark(_:environment:directory:label:)``.
public struct BackgroundProcess: @unchecked Sendable {
    public let process: Process
    public let out: URL
    public let err: URL
    public var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    /// Wait for it to end; returns its exit status.
    public func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A helper server from Tests/Peers, run as a separate process on 127.0.0.1: it prints
/// "PORT <n>" and exits when its standard input closes (when this object goes).
public final class PeerProcess: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    public let port: Int

    /// `python`: the interpreter (a venv's, for peers that need packages from PyPI).
    public init(script: String, arguments: [String] = [], python: String = "python3") throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, TestSupport.packageRoot.appendingPathComponent("Tests/Peers/\(script)").path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let text = String(data: line, encoding: .utf8), text.hasPrefix("PORT "), let p = Int(text.dropFirst(5)) else {
            throw TestSupportError("\(script) did not start")
        }
        port = p
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
