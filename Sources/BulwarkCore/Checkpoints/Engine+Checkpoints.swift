import BulwarkJSON
import Foundation

/// Which checkpoints to list.
public struct CheckpointQuery: Sendable {
    public var projectID: String = "default"
    public var planID: String?
    /// Inclusive days, `YYYY-MM-DD`.
    public var startDate: String?
    public var endDate: String?
    public var limit: Int = 0
    /// List after this checkpoint id (in the sort order).
    public var marker: String?
    public var descending = true

    public init(projectID: String = "default", planID: String? = nil, startDate: String? = nil, endDate: String? = nil,
                limit: Int = 0, marker: String? = nil, descending: Bool = true) {
        self.projectID = projectID
        self.planID = planID
        self.startDate = startDate
        self.endDate = endDate
        self.limit = limit
        self.marker = marker
        self.descending = descending
    }
}

extension Engine {
    /// Checkpoints of this provider, newest first by default, from the bank's indices.
    public func checkpoints(_ query: CheckpointQuery = CheckpointQuery()) throws(EngineError) -> [Checkpoint] {
        let prefix = query.planID.map { BankLayout.byPlan($0, query.projectID) } ?? BankLayout.byProvider(provider.id, query.projectID)
        var names: [String]
        do { names = try bank.listAll(prefix: prefix) } catch { throw fail(error) }
        names = names.map { String($0.dropFirst(prefix.count)) }
        if query.descending { names.reverse() }
        var result: [Checkpoint] = []
        var pastMarker = query.marker == nil
        for name in names {
            guard let at = name.lastIndex(of: "@") else { continue }
            let id = String(name[name.index(after: at)...])
            if !pastMarker {
                if id == query.marker { pastMarker = true }
                continue
            }
            let checkpoint: Checkpoint
            do {
                guard let json = try bank.getJSON(BankLayout.index(id)) else { continue }
                checkpoint = Checkpoint(json: json)
            } catch {
                throw fail(error)
            }
            if checkpoint.providerID != provider.id { continue }
            if let start = query.startDate, checkpoint.createdAt < start { continue }
            if let end = query.endDate, checkpoint.createdAt > end { continue }
            result.append(checkpoint)
            if query.limit > 0, result.count >= query.limit { break }
        }
        return result
    }

    public func checkpoint(_ id: String) throws(EngineError) -> Checkpoint {
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { throw EngineError("no checkpoint \(id)") }
        do {
            guard let json = try bank.getJSON(BankLayout.index(id)) else { throw EngineError("no checkpoint \(id) in provider \(provider.id)") }
            let checkpoint = Checkpoint(json: json)
            guard checkpoint.providerID == provider.id else { throw EngineError("checkpoint \(id) belongs to provider \(checkpoint.providerID), not \(provider.id)") }
            return checkpoint
        } catch let error as Bank.Failure {
            throw fail(error)
        } catch {
            throw error as! EngineError
        }
    }

    /// Each resource of a checkpoint with its status object (nil while not finished).
    public func resourceStatuses(_ checkpoint: Checkpoint) throws(EngineError) -> [(Resource, JSON?)] {
        let graph = try checkpoint.graph()
        let pool = WorkerPool(threads: concurrency, name: "bulwark-show")
        defer { pool.shutdown() }
        let bank = self.bank
        let id = checkpoint.id
        let statuses = pool.map(graph.nodes) { resource in (try? bank.getJSON(BankLayout.status(id, resource))) ?? nil }
        return Array(zip(graph.nodes, statuses))
    }
}
