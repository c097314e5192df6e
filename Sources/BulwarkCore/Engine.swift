import BulwarkJSON
import BulwarkSchema
import Foundation
import Synchronization

/// What the engine tells its user while it works.
public protocol EngineObserver: Sendable {
    /// A flow advanced: `done` of `total` resources finished, `failed` of them failed.
    func progress(operation: Operation, done: Int, total: Int, failed: Int)
    /// A plugin's log line.
    func log(plugin: String, level: PluginLogLevel, message: String)
}

/// Protect, list, show, delete and restore checkpoints of one provider.
///
/// Every method blocks; plugin calls and bank I/O run on the engine's worker threads.
public final class Engine: Sendable {
    public let provider: Provider
    /// This process's identity as a checkpoint owner.
    public let ownerID: String
    public let concurrency: Int
    let observer: (any EngineObserver)?
    private let schemas = Mutex<[String: JSONSchema]>([:])

    public init(provider: Provider, concurrency: Int? = nil, observer: (any EngineObserver)? = nil) {
        self.provider = provider
        self.concurrency = max(1, concurrency ?? provider.config.concurrency)
        self.observer = observer
        ownerID = UUID().uuidString.lowercased()
    }

    var bank: Bank { provider.bank }

    // MARK: Validation

    /// A compiled plugin schema, once per plugin, kind and type.
    func schema(_ plugin: ProtectionInstance, _ kind: String, _ type: String) throws(EngineError) -> JSONSchema? {
        let key = "\(plugin.entry.name)|\(kind)|\(type)"
        if let cached = schemas.withLock({ $0[key] }) { return cached }
        guard let json = plugin.entry.schema(kind, for: type) else { return nil }
        let compiled: JSONSchema
        do { compiled = try JSONSchema(json) } catch {
            throw EngineError("\(plugin.entry.name): its \(kind) schema for \(type) does not compile: \(error)")
        }
        schemas.withLock { $0[key] = compiled }
        return compiled
    }

    /// The plugin of every node, and its parameters validated against the plugin's
    /// `kind` schema ("options" or "restore"); each error names the resource, the
    /// parameters key and the reason.
    func prepare(_ graph: ResourceGraph, parameters: JSONObject, kind: String, origin: String) throws(EngineError) -> (plugins: [ProtectionInstance], parameters: [String]) {
        var problems: [String] = []
        // Every key must name a type the provider handles, and `type#id` a resource of the graph.
        for (key, _) in parameters {
            let type = key.split(separator: "#", maxSplits: 1).first.map(String.init) ?? key
            if provider.protection(for: type) == nil {
                problems.append("\(origin) key \"\(key)\": no protection plugin of provider \(provider.id) handles \(type)")
            } else if key.contains("#"), graph.node(Resource.Key(type: type, id: String(key.dropFirst(type.count + 1)))) == nil {
                problems.append("\(origin) key \"\(key)\": no such resource in the graph")
            }
        }
        var plugins: [ProtectionInstance] = []
        var texts: [String] = []
        plugins.reserveCapacity(graph.count)
        texts.reserveCapacity(graph.count)
        var checked: [ExactString: String?] = [:]  // "type|params" -> problem
        for resource in graph.nodes {
            guard let plugin = provider.protection(for: resource.type) else {
                problems.append("\(resource): no protection plugin of provider \(provider.id) handles \(resource.type)")
                continue
            }
            let merged = Parameters.merged(parameters, resource)
            let text = merged.serialized()
            let own = parameters.contains(resource.type + "#" + resource.id)
            let memo = own ? nil : ExactString("\(resource.type)|\(text)")
            if let memo, let known = checked[memo] {
                if let known { problems.append("\(resource): \(known)") }
            } else {
                var problem: String?
                if let schema = try schema(plugin, kind, resource.type) {
                    let errors = schema.validate(merged).errors
                    if !errors.isEmpty {
                        let key = own ? "\(resource.type)#\(resource.id)" : resource.type
                        problem = "\(origin) key \"\(key)\" for \(plugin.entry.name): " + errors.map(\.description).joined(separator: "; ")
                    }
                }
                if let memo { checked[memo] = problem }
                if let problem { problems.append("\(resource): \(problem)") }
            }
            plugins.append(plugin)
            texts.append(text)
        }
        if !problems.isEmpty {
            let shown = problems.prefix(20).joined(separator: "\n  ")
            throw EngineError(kind: .invalid, "invalid \(origin):\n  \(shown)\(problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : "")")
        }
        return (plugins, texts)
    }

    /// Build the plan's graph with the engine's workers.
    public func graph(for plan: Plan, cancellation: CancellationFlag? = nil) throws(EngineError) -> ResourceGraph {
        let pool = WorkerPool(threads: concurrency, name: "bulwark-graph")
        defer { pool.shutdown() }
        return try GraphBuilder.build(plan.resources, provider: provider, pool: pool, cancellation: cancellation)
    }

    func fail(_ error: Bank.Failure) -> EngineError { EngineError("bank \(bank.pluginName): \(error)", kind: .unavailable) }

    /// The one place a bank step's errors become the engine's: a bank failure is the
    /// bank's (`.unavailable`), an engine error passes unchanged, anything else is named.
    func engineError(_ error: any Error) -> EngineError {
        switch error {
        case let error as EngineError: error
        case let error as Bank.Failure: fail(error)
        default: EngineError("\(error)")
        }
    }

    // MARK: Crash recovery

    /// Mark `error` (or `error-deleting`) every unfinished run whose owner's lease has
    /// expired: its engine crashed or was killed. Returns the checkpoint ids marked.
    @discardableResult
    public func recoverOrphans() throws(EngineError) -> [String] {
        let markers: [String]
        do { markers = try bank.listAll(prefix: BankLayout.unfinished) } catch { throw fail(error) }
        var recovered: [String] = []
        for marker in markers {
            let id = String(marker.dropFirst(BankLayout.unfinished.count))
            do {
                guard let info = try bank.getJSON(marker), let owner = info["owner_id"]?.stringValue else {
                    try bank.delete(marker)
                    continue
                }
                let name = info["lease"]?.stringValue ?? OwnerLease.name(owner)
                if let lease = try bank.checkLease(name), lease.valid { continue }
                if var checkpoint = try bank.getJSON(BankLayout.index(id)).map(Checkpoint.init) {
                    let deleting = checkpoint.status == CheckpointStatus.deleting.rawValue
                    if checkpoint.status == CheckpointStatus.protecting.rawValue || deleting {
                        checkpoint.set("status", .string(deleting ? CheckpointStatus.errorDeleting.rawValue : CheckpointStatus.error.rawValue))
                        checkpoint.set("error", .string("the engine that ran it (owner \(owner)) stopped before it finished; its lease expired"))
                        try bank.putJSON(BankLayout.index(id), checkpoint.json)
                        recovered.append(id)
                    }
                }
                try bank.delete(marker)
                // The dead run's lease is its no longer: drop it, so that leases do not pile up.
                try? bank.releaseLease(name, owner: owner)
            } catch {
                throw fail(error)
            }
        }
        return recovered
    }
}

/// The restore's map of original id to new id, shared by every hook of one restore.
/// Ids are compared scalar for scalar (see ``Resource``).
final class NewResourcesMap: NewResourcesService {
    private let map = Mutex<[ExactString: String]>([:])
    func set(_ oldID: String, _ newID: String) { map.withLock { $0[ExactString(oldID)] = newID } }
    func get(_ oldID: String) -> String? { map.withLock { $0[ExactString(oldID)] } }
    var all: [ExactString: String] { map.withLock { $0 } }
}

/// Forwards plugin logs to the engine's observer.
struct ObserverEvents: PluginEventSink {
    let observer: any EngineObserver
    func log(plugin: String, level: PluginLogLevel, message: String) { observer.log(plugin: plugin, level: level, message: message) }
    func progress(plugin: String, fraction: Double, message: String?) {}
}

extension Engine {
    /// Check a plan without running anything: its ids, that a protection plugin handles
    /// each resource type and parameters key, and its parameters against the plugins'
    /// options schemas (each resource's entry overlaid by its own, as a run merges them).
    /// Resources the plan reaches through dependencies are checked when it runs.
    public func check(_ plan: Plan) throws(EngineError) {
        for (what, value) in [("plan id", plan.id), ("project id", plan.projectID)] where !Plan.isValidID(value) {
            throw EngineError(kind: .invalid, "the \(what) \"\(value)\" cannot be used: an id is made of A-Z a-z 0-9 _ . - and is not \".\" or \"..\"")
        }
        var problems: [String] = []
        for (key, value) in plan.parameters {
            let type = key.split(separator: "#", maxSplits: 1).first.map(String.init) ?? key
            guard let plugin = provider.protection(for: type) else {
                problems.append("parameters key \"\(key)\": no protection plugin of provider \(provider.id) handles \(type)")
                continue
            }
            // A type's entry applies to resources the graph finds later too: check it alone.
            if !key.contains("#"), let schema = try schema(plugin, "options", type) {
                let errors = schema.validate(value).errors
                if !errors.isEmpty {
                    problems.append("parameters key \"\(key)\", checked by \(plugin.entry.name): " + errors.map(\.description).joined(separator: "; "))
                }
            }
        }
        for (index, resource) in plan.resources.enumerated() {
            guard let plugin = provider.protection(for: resource.type) else {
                problems.append("resources/\(index) (\(resource)): no protection plugin of provider \(provider.id) handles \(resource.type)")
                continue
            }
            if let schema = try schema(plugin, "options", resource.type) {
                let errors = schema.validate(Parameters.merged(plan.parameters, resource)).errors
                if !errors.isEmpty {
                    problems.append("parameters for resources/\(index) (\(resource)), checked by \(plugin.entry.name): "
                                    + errors.map(\.description).joined(separator: "; "))
                }
            }
        }
        if !problems.isEmpty { throw EngineError(kind: .invalid, "invalid plan:\n  " + problems.prefix(20).joined(separator: "\n  ")) }
    }
}
