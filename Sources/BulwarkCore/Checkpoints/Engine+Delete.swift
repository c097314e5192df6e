import BulwarkJSON
import Foundation

extension Engine {
    /// Delete a checkpoint: run the delete flow (each plugin removes what it made, e.g.
    /// backups), then remove the checkpoint's objects and index entries. On failure the
    /// checkpoint stays, `error-deleting`, with the reason.
    public func delete(_ id: String, cancellation: CancellationFlag = CancellationFlag()) throws(EngineError) {
        _ = try beginDelete(id, cancellation: cancellation).run()
    }

    /// The first half of ``delete(_:cancellation:)``: the checkpoint marked `deleting`
    /// under this engine's lease; ``PendingRun/run()`` runs the delete flow and returns
    /// the checkpoint as it was, `deleted`, or throws why it is `error-deleting`.
    public func beginDelete(_ id: String, cancellation: CancellationFlag = CancellationFlag()) throws(EngineError) -> PendingRun<Checkpoint> {
        var checkpoint = try self.checkpoint(id)
        guard [CheckpointStatus.available.rawValue, CheckpointStatus.error.rawValue, CheckpointStatus.errorDeleting.rawValue]
            .contains(checkpoint.status) else {
            throw EngineError("checkpoint \(id) is \(checkpoint.status); only available, error or error-deleting checkpoints can be deleted", kind: .conflict)
        }
        let graph = try checkpoint.graph()
        let (plugins, parameters) = try prepare(graph, parameters: JSONObject(), kind: "", origin: "delete")
        let lease = try ownerLease(run: id, cancelling: cancellation)
        do {
            try bank.putJSON(BankLayout.unfinished + id, ["owner_id": .string(ownerID), "operation": "delete",
                                                         "lease": .string(OwnerLease.name(ownerID, run: id))])
            checkpoint.set("status", .string(CheckpointStatus.deleting.rawValue))
            checkpoint.set("owner_id", .string(ownerID))
            try bank.putJSON(BankLayout.index(id), checkpoint.json)
        } catch {
            lease.release()
            throw fail(error)
        }
        let run = RunningRuns.register("delete of checkpoint \(id) (provider \(provider.id))") { [self] reason in
            markAbandoned(id, reason: reason, running: .deleting, failed: .errorDeleting)
            lease.release()
        }
        let started = checkpoint
        return PendingRun(initial: started, body: { [self] in
            defer {
                lease.release()
                RunningRuns.unregister(run)
            }
            try runDelete(started, graph: graph, plugins: plugins, parameters: parameters, lease: lease, cancellation: cancellation)
            var deleted = started
            deleted.set("status", .string(CheckpointStatus.deleted.rawValue))
            return deleted
        }, abandon: { [self] reason in
            markAbandoned(id, reason: reason, running: .deleting, failed: .errorDeleting)
            lease.release()
            RunningRuns.unregister(run)
        })
    }

    private func runDelete(_ checkpoint: Checkpoint, graph: ResourceGraph, plugins: [ProtectionInstance], parameters: [String],
                           lease: OwnerLease, cancellation: CancellationFlag) throws(EngineError) {
        var checkpoint = checkpoint
        let id = checkpoint.id
        // Only failures are recorded: on success everything under the checkpoint goes.
        let bank = self.bank
        let nodes = graph.nodes
        let result = runFlow(.delete, graph: graph, plugins: plugins, parameters: parameters, checkpoint: checkpoint,
                             restoreID: nil, newResources: nil, cancellation: cancellation, statusPrefix: "delete-",
                             record: { node, outcome in
                                 guard !outcome.ok else { return }
                                 try? bank.putJSON(BankLayout.resourceData(id, nodes[node]) + "/delete-status",
                                                   ["status": "error", "reason": .string(outcome.message ?? "")])
                             })
        if let lost = lease.lost {
            // Another engine may have marked it error-deleting, or be deleting it itself.
            throw EngineError("deleting checkpoint \(id) stopped: \(lost)")
        }
        do {
            if let error = result.error {
                checkpoint.set("status", .string(CheckpointStatus.errorDeleting.rawValue))
                checkpoint.set("error", .string(error))
                try bank.putJSON(BankLayout.index(id), checkpoint.json)
                try bank.delete(BankLayout.unfinished + id)
                throw EngineError("deleting checkpoint \(id) failed: \(error)")
            }
            // Remove everything: the data, the indices, then the index object and the marker.
            let keys = try bank.listAll(prefix: BankLayout.checkpoint(id) + "/resource-data/")
            let pool = WorkerPool(threads: concurrency, name: "bulwark-delete")
            let failures = pool.map(keys) { key -> String? in
                do { try bank.delete(key); return nil } catch { return "\(error)" }
            }.compactMap { $0 }
            pool.shutdown()
            if let first = failures.first { throw EngineError("removing the objects of checkpoint \(id): \(first)") }
            let stamp = checkpoint.json["index_name"]?.stringValue ?? ""
            let date = checkpoint.createdAt
            for key in [BankLayout.byProvider(provider.id, checkpoint.projectID) + stamp,
                        BankLayout.byDate(date) + "\(checkpoint.projectID)/\(stamp)",
                        BankLayout.byPlan(checkpoint.planID, checkpoint.projectID) + stamp] where !stamp.isEmpty {
                try bank.delete(key)
            }
            try bank.delete(BankLayout.index(id))
            try bank.delete(BankLayout.unfinished + id)
        } catch {
            throw engineError(error)
        }
    }
}
