import BulwarkJSON
import Foundation
import Synchronization

extension Engine {
    /// Restore a checkpoint: validate the parameters against the plugins' restore schemas,
    /// run the restore flow with a shared new-resources map, and record the restore
    /// (status, per-resource results, old -> new ids) in `store`, first `in_progress`, then
    /// `success` or `fail`. Returns the final record.
    public func restore(checkpointID: String, parameters: JSONObject = JSONObject(), store: RestoreStore,
                        cancellation: CancellationFlag = CancellationFlag(),
                        restoreID: String = UUID().uuidString.lowercased()) throws(EngineError) -> RestoreRecord {
        let checkpoint = try self.checkpoint(checkpointID)
        guard checkpoint.status == CheckpointStatus.available.rawValue else {
            throw EngineError("checkpoint \(checkpointID) is \(checkpoint.status); only an available checkpoint can be restored")
        }
        let graph = try checkpoint.graph()
        let (plugins, texts) = try prepare(graph, parameters: parameters, kind: "restore", origin: "restore parameters")
        let now = Date().timeIntervalSince1970
        var record = RestoreRecord(id: restoreID, providerID: provider.id, checkpointID: checkpointID, status: .inProgress,
                                   parameters: .object(parameters), resources: JSONObject(), newResources: [:], error: nil,
                                   createdAt: now, updatedAt: now)
        let lease: OwnerLease
        do {
            lease = try OwnerLease(store.lease(record, owner: ownerID), ttl: UInt32(provider.config.leaseTTL),
                                   onLost: { _ in cancellation.cancel() })
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError("\(error)")
        }
        defer { lease.release() }
        let running = record
        let run = RunningRuns.register("restore \(restoreID) of checkpoint \(checkpointID) (provider \(provider.id))") { reason in
            var failed = running
            failed.status = .fail
            failed.error = reason
            failed.updatedAt = Date().timeIntervalSince1970
            try? store.save(failed)
            lease.release()
        }
        defer { RunningRuns.unregister(run) }
        let map = NewResourcesMap()
        let results = Mutex<[Int: ResourceOutcome]>([:])
        let result = runFlow(.restore, graph: graph, plugins: plugins, parameters: texts, checkpoint: checkpoint,
                             restoreID: restoreID, newResources: map, cancellation: cancellation, statusPrefix: "",
                             record: { node, outcome in results.withLock { $0[node] = outcome } })
        let newIDs = map.all
        let outcomes = results.withLock { $0 }
        var resources = JSONObject()
        for (i, resource) in graph.nodes.enumerated() {
            let outcome = outcomes[i] ?? result.outcomes[i]
            var entry = JSONObject([("status", .string(outcome.ok ? "restored" : "error"))])
            if let message = outcome.message { entry["reason"] = .string(message) }
            if let new = newIDs[ExactString(resource.id)] { entry["new_id"] = .string(new) }
            resources["\(resource.type)#\(resource.id)"] = .object(entry)
        }
        record.resources = resources
        record.newResources = newIDs
        var failure = result.error
        if let lost = lease.lost {
            failure = "the restore stopped: \(lost)"
        } else if failure == nil {
            do { try lease.confirm() } catch { failure = "the restore could not confirm its lease before finishing: \(error)" }
        }
        record.status = failure == nil ? .success : .fail
        record.error = failure
        record.updatedAt = Date().timeIntervalSince1970
        try store.save(record)
        return record
    }
}
