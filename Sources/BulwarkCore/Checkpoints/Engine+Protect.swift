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
        let pending = try beginProtect(plan, graph: prebuilt, cancellation: cancellation, checkpointID: checkpointID)
        return try pending.run() ?? pending.initial
    }

    /// The first half of ``protect(_:graph:cancellation:checkpointID:)``: everything up
    /// to the recorded `protecting` checkpoint, whose flow ``PendingRun/run()`` runs.
    public func beginProtect(_ plan: Plan, graph prebuilt: ResourceGraph? = nil, cancellation: CancellationFlag = CancellationFlag(),
                             checkpointID: String = UUID().uuidString.lowercased(),
                             extraInfo: JSONObject = JSONObject()) throws(EngineError) -> PendingRun<Checkpoint> {
        if !plan.providerID.isEmpty, plan.providerID != provider.id {
            throw EngineError(kind: .invalid, "the plan is for provider \(plan.providerID), not \(provider.id)")
        }
        // Checked before anything is written: these name parts of the checkpoint's index keys.
        for (what, value) in [("plan id", plan.id), ("project id", plan.projectID)] where !Plan.isValidID(value) {
            throw EngineError(kind: .invalid, "the \(what) \"\(value)\" cannot be used: an id is made of A-Z a-z 0-9 _ . - and is not \".\" or \"..\"")
        }
        let graph: ResourceGraph
        if let prebuilt { graph = prebuilt } else { graph = try self.graph(for: plan, cancellation: cancellation) }
        let (plugins, parameters) = try prepare(graph, parameters: plan.parameters, kind: "options", origin: "plan parameters")

        let now = Date()
        let stamp = BankLayout.stamp(now)
        let day = BankLayout.day(now)
        let checkpoint = Checkpoint(json: [
            "version": "1.0", "id": .string(checkpointID), "status": .string(CheckpointStatus.protecting.rawValue),
            "owner_id": .string(ownerID), "provider_id": .string(provider.id), "project_id": .string(plan.projectID),
            "protection_plan": ["id": .string(plan.id), "name": .string(plan.name), "provider_id": .string(provider.id),
                                "resources": .array(plan.resources.map(\.json))],
            "resource_graph": graph.json, "extra_info": .object(extraInfo), "created_at": .string(day),
            "timestamp": .number(JSONNumber(now.timeIntervalSince1970)), "index_name": .string("\(stamp)@\(checkpointID)"),
        ])
        let lease = try ownerLease(run: checkpointID, cancelling: cancellation)
        do {
            // The marker first: a crash from here on is found and marked by the next engine.
            try bank.putJSON(BankLayout.unfinished + checkpointID, ["owner_id": .string(ownerID), "operation": "protect",
                                                                   "lease": .string(OwnerLease.name(ownerID, run: checkpointID))])
            try bank.putJSON(BankLayout.index(checkpointID), checkpoint.json)
            for key in BankLayout.indexKeys(id: checkpointID, provider: provider.id, project: plan.projectID, plan: plan.id,
                                            date: day, stamp: stamp) {
                try bank.putJSON(key, ["checkpoint_id": .string(checkpointID)])
            }
        } catch {
            lease.release()
            throw fail(error)
        }
        let run = RunningRuns.register("protect of checkpoint \(checkpointID) (provider \(provider.id))") { [self] reason in
            markAbandoned(checkpointID, reason: reason, running: .protecting, failed: .error)
            lease.release()
        }
        let initial = checkpoint
        return PendingRun(initial: initial, body: { [self] in
            defer {
                lease.release()
                RunningRuns.unregister(run)
            }
            let result = runFlow(.protect, graph: graph, plugins: plugins, parameters: parameters, checkpoint: initial,
                                 restoreID: nil, newResources: nil, cancellation: cancellation, statusPrefix: "")
            return try finish(initial, result.error, lease: lease)
        }, abandon: { [self] reason in
            markAbandoned(checkpointID, reason: reason, running: .protecting, failed: .error)
            lease.release()
            RunningRuns.unregister(run)
        })
    }

    /// Record a run's outcome in its checkpoint's index, only while the run's lease holds,
    /// and read it back: a run reports `available` only for a checkpoint the bank holds as
    /// `available` and as this engine's. A run that lost its lease records `error` only
    /// over its own unfinished index: another engine may have marked or deleted it since.
    func finish(_ checkpoint: Checkpoint, _ failure: String?, lease: OwnerLease) throws(EngineError) -> Checkpoint {
        var checkpoint = checkpoint
        let id = checkpoint.id
        var failure = failure
        if let lost = lease.lost {
            failure = "the run stopped: \(lost)"
        } else if failure == nil {
            do { try lease.confirm() } catch { failure = "the run could not confirm its lease before finishing: \(error)" }
        }
        checkpoint.set("status", .string((failure == nil ? CheckpointStatus.available : .error).rawValue))
        checkpoint.set("error", failure.map { .string($0) })
        do {
            if lease.lost != nil {
                let current = try bank.getJSON(BankLayout.index(id)).map(Checkpoint.init)
                guard let current, current.status == CheckpointStatus.protecting.rawValue, current.ownerID == ownerID else {
                    checkpoint.set("error", .string("\(failure ?? ""); meanwhile another engine marked it \(current?.status ?? "deleted")"))
                    return checkpoint
                }
            }
            try bank.putJSON(BankLayout.index(id), checkpoint.json)
            try bank.delete(BankLayout.unfinished + id)
            if failure == nil {
                let stored = try bank.getJSON(BankLayout.index(id)).map(Checkpoint.init)
                if stored?.status != CheckpointStatus.available.rawValue || stored?.ownerID != ownerID {
                    checkpoint.set("status", .string(stored?.status ?? "deleted"))
                    checkpoint.set("error", .string("another engine changed the checkpoint while this run finished: the bank has it \(stored?.status ?? "deleted")"))
                }
            }
        } catch {
            throw fail(error)
        }
        return checkpoint
    }

    /// Mark a run of this engine failed from outside its flow (the process is ending
    /// under it), if its checkpoint still says it is running.
    func markAbandoned(_ id: String, reason: String, running: CheckpointStatus, failed: CheckpointStatus) {
        guard let json = (try? bank.getJSON(BankLayout.index(id))) ?? nil, case var current = Checkpoint(json: json),
              current.status == running.rawValue, current.ownerID == ownerID else { return }
        current.set("status", .string(failed.rawValue))
        current.set("error", .string(reason))
        try? bank.putJSON(BankLayout.index(id), current.json)
        try? bank.delete(BankLayout.unfinished + id)
    }

    /// This engine's lease for one run (of checkpoint `run`); losing it cancels `cancellation`.
    func ownerLease(run: String, cancelling cancellation: CancellationFlag) throws(EngineError) -> OwnerLease {
        do {
            return try OwnerLease(OwnerLease.store(bank: bank, owner: ownerID, name: OwnerLease.name(ownerID, run: run)),
                                  ttl: UInt32(provider.config.leaseTTL),
                                  onLost: { _ in cancellation.cancel() })
        } catch {
            throw engineError(error)
        }
    }

    /// Run one flow with the engine's workers, recording each resource's status object
    /// (`<status prefix>status` under its resource-data section).
    func runFlow(_ operation: Operation, graph: ResourceGraph, plugins: [ProtectionInstance], parameters: [String],
                 checkpoint: Checkpoint, restoreID: String?, restoreContext: String? = nil, newResources: (any NewResourcesService)?,
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
        // Status objects are written by threads of their own, so a durable write (an
        // fsync in the SQLite bank, a PUT in Swift) never holds a hook's worker: a
        // parent's on_complete starts as soon as its child's has returned. As many as the
        // hook workers, so a bank that commits concurrent writes together (the SQLite
        // bank's group commit) still gets batches as large as before. The run ends only
        // once every status is written (below).
        let statusPool = WorkerPool(threads: concurrency, name: "bulwark-status")
        defer { statusPool.shutdown() }
        let statusWrites = DispatchGroup()
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
            let key = BankLayout.resourceData(id, nodes[node]) + "/" + statusPrefix + "status"
            statusWrites.enter()
            statusPool.submit { [status] in
                do {
                    try bank.putJSON(key, status)
                } catch {
                    statusFailures.withLock { $0.append("\(nodes[node]): \(error)") }
                }
                statusWrites.leave()
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
        var job = FlowEngine.Job(
            graph: graph, operation: operation, plugins: plugins, parameters: parameters, checkpointID: id,
            providerID: provider.id, restoreID: restoreID, checkpoint: checkpoint.summary.serialized(),
            section: section, newResources: newResources, events: events, finished: finished, progress: progress)
        job.restoreContext = restoreContext
        job.hookCancelGrace = provider.config.hookCancelGrace
        var result = FlowEngine(job, pool: pool, cancellation: cancellation).run()
        // Resources that never ran get their status too, written concurrently.
        if !result.unfinished.isEmpty {
            let outcomes = result.outcomes
            for node in result.unfinished { finished(node, outcomes[node]) }
        }
        statusWrites.wait()
        let failures = statusFailures.withLock { $0 }
        if result.error == nil, let first = failures.first {
            result.error = "the status of \(failures.count) resource\(failures.count == 1 ? "" : "s") could not be recorded in the bank: \(first)"
        }
        return result
    }
}
