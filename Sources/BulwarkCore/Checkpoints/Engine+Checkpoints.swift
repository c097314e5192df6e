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

extension CheckpointQuery {
    /// A real day of the Gregorian calendar, as YYYY-MM-DD (the date filters' form).
    public static func isDay(_ text: String) -> Bool {
        guard let m = text.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})/), let y = Int(m.1), let month = Int(m.2), let d = Int(m.3),
              (1...12).contains(month) else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(d)
    }
}

extension Engine {
    /// Checkpoints of this provider, newest first by default, from the bank's indices,
    /// read a page at a time: a page of a large bank costs what the page holds, not the
    /// bank. An unknown marker is an `.invalid` error.
    public func checkpoints(_ query: CheckpointQuery = CheckpointQuery()) throws(EngineError) -> [Checkpoint] {
        // Both name parts of the index keys listed.
        for (what, value) in [("project id", Optional(query.projectID)), ("plan id", query.planID)] {
            if let value, !Plan.isValidID(value) {
                throw EngineError(kind: .invalid, "the \(what) \"\(value)\" cannot be one: an id is made of A-Z a-z 0-9 _ . - and is not \".\" or \"..\"")
            }
        }
        let prefix = query.planID.map { BankLayout.byPlan($0, query.projectID) } ?? BankLayout.byProvider(provider.id, query.projectID)
        var marker: String?
        if let id = query.marker {
            guard let json = try? (!id.isEmpty && id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) ? bank.getJSON(BankLayout.index(id)) : nil),
                  let name = json["index_name"]?.stringValue else {
                throw EngineError(kind: .invalid, "the marker \(id) is not a checkpoint of provider \(provider.id)")
            }
            marker = prefix + name
        }
        let pageSize = query.limit > 0 ? min(max(query.limit, 16), 1000) : 1000
        var result: [Checkpoint] = []
        while true {
            let page: [String]
            do { page = try bank.list(prefix: prefix, marker: marker, limit: pageSize, descending: query.descending) } catch { throw fail(error) }
            for key in page {
                guard let at = key.lastIndex(of: "@") else { continue }
                let id = String(key[key.index(after: at)...])
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
                if query.limit > 0, result.count >= query.limit { return result }
            }
            if page.count < pageSize { return result }
            marker = page.last
        }
    }

    public func checkpoint(_ id: String) throws(EngineError) -> Checkpoint {
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { throw EngineError("no checkpoint \(id)", kind: .notFound) }
        do {
            guard let json = try bank.getJSON(BankLayout.index(id)) else { throw EngineError("no checkpoint \(id) in provider \(provider.id)", kind: .notFound) }
            let checkpoint = Checkpoint(json: json)
            guard checkpoint.providerID == provider.id else {
                throw EngineError("checkpoint \(id) belongs to provider \(checkpoint.providerID), not \(provider.id)", kind: .notFound)
            }
            return checkpoint
        } catch {
            throw engineError(error)
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

extension Engine {
    /// Set a checkpoint's status by hand (Karbor's os-resetState) to `available` or
    /// `error`. Refused (`.conflict`) while a live engine runs it: only a run whose
    /// owner's lease has expired, or a finished checkpoint, can be reset.
    public func resetState(_ id: String, to status: CheckpointStatus) throws(EngineError) -> Checkpoint {
        guard status == .available || status == .error else {
            throw EngineError(kind: .invalid, "a checkpoint can be reset to available or error, not \(status.rawValue)")
        }
        var checkpoint = try self.checkpoint(id)
        do {
            let marker = try bank.getJSON(BankLayout.unfinished + id)
            let leaseName = marker?["lease"]?.stringValue ?? OwnerLease.name(checkpoint.ownerID)
            if [CheckpointStatus.protecting.rawValue, CheckpointStatus.deleting.rawValue].contains(checkpoint.status),
               let lease = try bank.checkLease(leaseName), lease.valid {
                throw EngineError(kind: .conflict, "checkpoint \(id) is \(checkpoint.status) under a running engine (owner \(checkpoint.ownerID)); it can be reset once that run ends or its lease expires")
            }
            checkpoint.set("status", .string(status.rawValue))
            if status == .available { checkpoint.set("error", nil) } else if checkpoint.error == nil {
                checkpoint.set("error", .string("reset to error by an operator"))
            }
            try bank.putJSON(BankLayout.index(id), checkpoint.json)
            try bank.delete(BankLayout.unfinished + id)
        } catch {
            throw engineError(error)
        }
        return checkpoint
    }
}
