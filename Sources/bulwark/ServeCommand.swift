import ArgumentParser
import BulwarkCore
import BulwarkService
import Foundation
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the protection service: Karbor's v1 REST API over the providers and the catalog.",
        discussion: """
            --config names the service's YAML (or JSON) file, checked against \
            schemas/serve.schema.json: listen address, TLS, providers, catalog, auth (noauth \
            or keystone) and limits. examples/serve-noauth.yaml serves the demo provider on \
            127.0.0.1:8799 from the repository's root. Prints "listening on URL" once it \
            accepts requests. SIGTERM or SIGINT stops it cleanly: no new requests, running \
            operations get shutdown_grace_seconds to finish and are then cancelled; a second \
            signal stops at once (exit 130). See docs/service.md.
            """)

    @Option(help: ArgumentHelp("The service's configuration file.", valueName: "file")) var config: String
    @Option(help: ArgumentHelp("Listen on this port instead of the file's (0: any free port).", valueName: "port")) var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535 (got \(port))") }
    }

    func run() throws {
        BulwarkService.runTasksOnEventLoops()
        var settings: ServiceConfig
        do { settings = try ServiceConfig.read(config) } catch { throw CLIError(error.description) }
        if let port { settings.port = port }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bulwark.serve")
        BulwarkService.bootstrapMetrics()
        let grace = Int(settings.shutdownGrace)
        let host = settings.host
        let service: BulwarkService
        do { service = try BulwarkService(config: settings, logger: logger) } catch { throw CLIError("\(error)") }
        Interrupts.serve { _ in
            logger.notice("stopping: no new requests; running operations have \(grace) s to finish")
            Task { await service.shutdown() }
        }
        let done = DispatchSemaphore(value: 0)
        let failure = Failure()
        let scheme = settings.tls == nil ? "http" : "https"
        Task {
            do {
                try await service.run { port in
                    // One write, unbuffered: a script waiting for this line sees it at once.
                    let line = "listening on \(scheme)://\(host):\(port)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            } catch {
                failure.set("\(error)")
            }
            done.signal()
        }
        done.wait()
        if let message = failure.message { throw CLIError("bulwark serve: \(message)") }
    }
}

private final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ message: String) { lock.withLock { text = message } }
    var message: String? { lock.withLock { text } }
}
