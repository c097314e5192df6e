import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// `bulwark serve`: Karbor's v1 API over the engine and the catalog.
///
/// One engine per provider, loaded at start; the catalog shared with the CLI; operations
/// in the background (``OperationRunner``); a heartbeat that keeps the service's row and
/// its operation logs alive and recovers what crashed servers left running.
public final class BulwarkService: Sendable {
    public let config: ServiceConfig
    let catalog: any Catalog
    let engines: [String: Engine]
    /// Provider ids in the order of the providers directory.
    let providerOrder: [String]
    let validator: any TokenValidator
    let ids: ProviderIDs
    let runner: OperationRunner
    let scheduler: Scheduler
    let planRuns: PlanRuns
    let logger: Logger
    /// This process, as the owner of its operation logs.
    let instance: String
    let serviceID: Int
    let startedAt = Date()
    private let group = Mutex<ServiceGroup?>(nil)

    /// Open the catalog and every provider; a provider that cannot open is logged and
    /// left out (the others are served).
    public init(config: ServiceConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        do { catalog = try SQLiteCatalog(path: config.catalogPath) } catch { throw ServiceError(error.description) }
        let directory = ProviderDirectory.load(config.providersDirectory)
        for problem in directory.problems { logger.error("provider skipped: \(problem)") }
        var engines: [String: Engine] = [:]
        var order: [String] = []
        for provider in directory.providers where config.onlyProviders?.contains(provider.id) ?? true {
            do {
                let opened = try Provider.open(provider)
                let engine = Engine(provider: opened, observer: PluginLogObserver(logger: logger))
                engines[provider.id] = engine
                order.append(provider.id)
            } catch {
                logger.error("provider \(provider.id) skipped: \(error)")
            }
        }
        if let only = config.onlyProviders {
            for id in only where engines[id] == nil && !directory.providers.contains(where: { $0.id == id }) {
                throw ServiceError("\(config.file): providers.only names \(id), which is not an enabled provider of \(config.providersDirectory)")
            }
        }
        self.engines = engines
        providerOrder = order
        ids = ProviderIDs(order)
        switch config.auth {
        case .noauth: validator = NoAuthValidator()
        case .keystone(let keystone): validator = KeystoneValidator(keystone)
        }
        instance = "serve-" + UUID().uuidString.lowercased()
        let host = ProcessInfo.processInfo.hostName
        do { serviceID = try catalog.registerService(host: host, binary: "bulwark-serve", instance: instance) } catch {
            throw ServiceError(error.description)
        }
        runner = OperationRunner(catalog: catalog, instance: instance, limit: config.operationsLimit,
                                 perProvider: config.operationsPerProvider, logger: logger)
        let leaseTTL = UInt32(engines.values.map(\.provider.config.leaseTTL).min() ?? 30)
        planRuns = PlanRuns(runner: runner, leaseTTL: leaseTTL)
        scheduler = Scheduler(catalog: catalog,
                              launcher: ScheduledRun(catalog: catalog, engines: engines, runs: planRuns, instance: instance,
                                                     leaseTTL: leaseTTL, logger: logger),
                              logger: logger)
    }

    /// The engine of a provider, or 404 as Karbor.
    func engine(_ id: String) throws -> Engine {
        guard let engine = engines[ids.native(id)] else { throw Fault.notFound("Provider \(id) could not be found.") }
        return engine
    }

    var leaseTTL: UInt32 { UInt32(engines.values.map(\.provider.config.leaseTTL).min() ?? 30) }

    /// Serve until ``shutdown()`` (SIGTERM): then stop accepting, drain the operations
    /// and return. `onListening` is told the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Routes.router(self)
        let server: HTTPServerBuilder
        if let tls = config.tls {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
                server = try .tls(.http1(), tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: NIOSSLPrivateKeySource.privateKey(key)))
            } catch {
                throw ServiceError("\(config.file): tls: cannot use the certificate \(tls.certificate) and key \(tls.key) (PEM files): \(error)")
            }
        } else {
            server = .http1()
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "bulwark"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let heartbeat = Heartbeat(service: self)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: heartbeat)],
                                                       gracefulShutdownSignals: [], logger: logger))
        self.group.withLock { $0 = group }
        if config.schedulerEnabled { scheduler.start() }
        try await group.run()
        scheduler.stop()
        // Every HTTP connection is closed: drain the operations on a thread of their own.
        let grace = config.shutdownGrace
        let left = try await blocking { [runner] in runner.drain(grace: grace) }
        if left > 0 {
            for run in RunningRuns.abandonAll(reason: "cancelled; the server was stopped before every running hook returned") {
                logger.error("\(run) failed: its hooks did not return after the shutdown grace and the cancellation")
            }
        }
        logger.notice("stopped")
    }

    /// Send the process's metrics to /metrics; once, before the first service opens.
    public static func bootstrapMetrics() { MetricsExport.bootstrap() }

    /// Make NIO's event loops Swift concurrency's global executor, so a request's handler
    /// runs on the loop that read it instead of hopping to a pool of its own and back
    /// (on two cores that hop cost a third of the throughput). Blocking calls are unchanged:
    /// they run on ``blocking(_:)``'s threads, never on a loop. Once, before any task runs.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Begin a clean stop (SIGTERM).
    public func shutdown() async {
        let group = self.group.withLock { $0 }
        await group?.triggerGracefulShutdown()
    }
}

public struct ServiceError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Plugins' log lines, into the service's log.
struct PluginLogObserver: EngineObserver {
    let logger: Logger
    func progress(operation: BulwarkCore.Operation, done: Int, total: Int, failed: Int) {}
    func log(plugin: String, level: PluginLogLevel, message: String) {
        let level: Logger.Level = switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
        logger.log(level: level, "\(message)", metadata: ["plugin": .string(plugin)])
    }
}

/// Every few seconds: the service row's heartbeat, this server's operation-log leases
/// (and failing those of stopped servers), and each provider's orphaned runs.
struct Heartbeat: ServiceLifecycle.Service {
    let service: BulwarkService

    func run() async throws {
        let interval = max(1.0, Double(service.leaseTTL) / 3)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await beat()
            // The wait ends early on a graceful shutdown, so that a stop is not held up.
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) } } catch { return }
        }
    }

    private func beat() async {
        let service = self.service
        _ = try? await blocking {
            do {
                try service.catalog.heartbeat(service: service.serviceID)
                for id in try service.catalog.renewLogs(instance: service.instance, ttl: service.leaseTTL * 2) {
                    service.logger.warning("operation log \(id) failed: the process that ran it stopped")
                }
                if service.config.schedulerEnabled { service.scheduler.noticeOutsideChanges() }
            } catch {
                service.logger.error("heartbeat: \(error)")
            }
            for id in service.providerOrder {
                guard let engine = service.engines[id] else { continue }
                do {
                    for checkpoint in try engine.recoverOrphans() {
                        service.logger.warning("checkpoint \(checkpoint) of provider \(id) was left unfinished by a stopped engine; marked error")
                    }
                } catch {
                    service.logger.error("recovering the orphaned runs of provider \(id): \(error)")
                }
            }
        }
    }
}
