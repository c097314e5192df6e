import BulwarkJSON
import Foundation
import Synchronization

extension Engine {
    /// Protect a plan: validate it, build its graph, record the checkpoint (`protecting`)
    /// and its indices, run the protect flow, and end with the checkpoint `available`, or
    /// `error` with the first failure. Returns the checkpoint either way; throws only when
    /// nothing was started (invalid plan, graph error, bank unreachable).
    public func protect(_ plan: Plan, graph prebuilt: ResourceGraph? = nil, cancellation: CancellationFlag = CancellationFlag(),
                        checkpointID: String = UUID().uuidString.lowercased()) throws(EngineError) -> Checkpoint {
        if !plan.providerID.isEmpty, plan.providerID != provider.id {
            throw EngineError("the plan is for provider \(plan.providerID), not \(provider.id)")
        }
        let graph: ResourceGraph
        if let prebuilt { graph = prebuilt } else { graph = try self.graph(for: plan, cancellation: cancellation) }
        let (plugins, parameters) = try prepare(graph, parameters: plan.parameters, kind: "options", origin: "plan parameters")

        let now = Date()
        let stamp = BankLayout.stamp(now)
        let day = BankLayout.day(now)
        var checkpoint = Checkpoint(json: [
            "version": "1.0", "id": .string(checkpointID), "status": .string(CheckpointStatus.protecting.rawValue),
            "owner_id": .string(ownerID), "provider_id": .string(provider.id), "project_id": .string(plan.projectID),
            "protection_plan": ["id": .string(plan.id), "name": .string(plan.name), "provider_id": .string(provider.id),
                                "resources": .array(plan.resources.map(\.json))],
            "resource_graph": graph.json, "extra_info": [:], "created_at": .string(day),
            "timestamp": .number(JSONNumber(now.timeIntervalSince1970)), "index_name": .string("\(stamp)@\(checkpointID)"),
        ])
        let lease: OwnerLease
        do {
            lease = try OwnerLease(bank: bank, owner: ownerID, ttl: UInt32(provider.config.leaseTTL))
            // The marker first: a crash from here on is found and marked by the next engine.
            try bank.putJSON(BankLayout.unfinished + checkpointID, ["owner_id": .string(ownerID), "operation": "protect"])
            try bank.putJSON(BankLayout.index(checkpointID), checkpoint.json)
            for key in BankLayout.indexKeys(id: checkpointID, provider: provider.id, project: plan.projectID, plan: plan.id,
                                            date: day, stamp: stamp) {
                try bank.putJSON(key, ["checkpoint_id": .string(checkpointID)])
            }
        } catch {
            throw fail(error)
        }
        defer { lease.release() }

        let result = runFlow(.protect, graph: graph, plugins: plugins, parameters: parameters, checkpoint: checkpoint,
                             restoreID: nil, newResources: nil, cancellation: cancellation, statusPrefix: "")
        checkpoint.set("status", .string(result.succeeded ? CheckpointStatus.available.rawValue : CheckpointStatus.error.rawValue))
        if let error = result.error { checkpoint.set("error", .string(error)) }
        do {
            try bank.putJSON(BankLayout.index(checkpointID), checkpoint.json)
            try bank.delete(BankLayout.unfinished + checkpointID)
        } catch {
            throw fail(error)
        }
        return checkpoint
    }

    /// Run one flow with the engine's workers, recording each resource's status object
    /// (`<status prefix>status` under its resource-data section).
    func runFlow(_ operation: Operation, graph: ResourceGraph, plugins: [ProtectionInstance], parameters: [String],
                 checkpoint: Checkpoint, restoreID: String?, newResources: (any NewResourcesService)?,
                 cancellation: CancellationFlag, statusPrefix: String,
                 record: (@Sendable (Int, ResourceOutcome) -> Void)? = nil) -> FlowResult {
        let pool = WorkerPool(threads: concurrency, name: "bulwark-\(operation.rawValue)")
        defer { pool.shutdown() }
        let bank = self.bank
        let id = checkpoint.id
        let nodes = graph.nodes
        let readOnly = operation == .restore || operation == .verify
        let observer = self.observer
        let total = graph.count
        let statusWord: String = switch operation {
        case .protect: "available"
        case .delete: "deleted"
        case .restore: "restored"
        case .verify: "verified"
        }
        // A status that cannot be recorded fails the run: a checkpoint must never look
        // complete when its bank does not say so.
        let statusFailures = Mutex<[String]>([])
        let finished: @Sendable (Int, ResourceOutcome) -> Void = { node, outcome in
            if let record {
                record(node, outcome)
                return
            }
            var status: JSON = ["status": .string(outcome.ok ? statusWord : "error")]
            if let message = outcome.message, case .object(var o) = status {
                o["reason"] = .string(message)
                status = .object(o)
            }
            do {
                try bank.putJSON(BankLayout.resourceData(id, nodes[node]) + "/" + statusPrefix + "status", status)
            } catch {
                statusFailures.withLock { $0.append("\(nodes[node]): \(error)") }
            }
        }
        let section: @Sendable (Int) -> BankSection = { node in
            BankSection(bank: bank, prefix: BankLayout.resourceData(id, nodes[node]), readOnly: readOnly)
        }
        var progress: (@Sendable (Int, Int) -> Void)?
        var events: (any PluginEventSink)?
        if let observer {
            progress = { done, failed in observer.progress(operation: operation, done: done, total: total, failed: failed) }
            events = ObserverEvents(observer: observer)
        }
        let job = FlowEngine.Job(
            graph: graph, operation: operation, plugins: plugins, parameters: parameters, checkpointID: id,
            providerID: provider.id, restoreID: restoreID, checkpoint: checkpoint.summary.serialized(),
            section: section, newResources: newResources, events: events, finished: finished, progress: progress)
        var result = FlowEngine(job, pool: pool, cancellation: cancellation).run()
        // Resources that never ran get their status too, written concurrently.
        if !result.unfinished.isEmpty {
            let outcomes = result.outcomes
            _ = pool.map(result.unfinished) { node in finished(node, outcomes[node]) }
        }
        let failures = statusFailures.withLock { $0 }
        if result.error == nil, let first = failures.first {
            result.error = "the status of \(failures.count) resource\(failures.count == 1 ? "" : "s") could not be recorded in the bank: \(first)"
        }
        return result
    }
}
