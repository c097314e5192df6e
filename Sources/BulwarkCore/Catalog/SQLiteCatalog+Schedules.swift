import BulwarkJSON
import BulwarkSQLite

/// Triggers, scheduled operations and their fires in the embedded catalog. Every write
/// moves `schedule_generation`, in its own transaction, so that a server sees a change
/// made by the CLI (or another server) by reading one row.
extension SQLiteCatalog {
    private static let triggerColumns = "id, project_id, name, type, properties, created_at, updated_at"
    private static let operationColumns = "id, project_id, name, description, operation_type, trigger_id, operation_definition, enabled, active_since, created_at, updated_at"

    private func bumpGeneration(_ db: SQLiteConnection) throws {
        try db.execute("UPDATE schedule_generation SET generation = generation + 1 WHERE id = 1")
    }

    private static func pairs(_ text: String?) -> [(String, String)] {
        guard let object = (try? JSON.parse(text ?? "{}"))?.objectValue else { return [] }
        return object.map { ($0.key, $0.value.stringValue ?? $0.value.serialized()) }
    }

    private static func serialized(_ pairs: [(String, String)]) -> String {
        JSON.object(JSONObject(pairs.map { ($0.0, JSON.string($0.1)) })).serialized()
    }

    // MARK: Triggers

    public func createTrigger(_ t: TriggerRecord) throws(CatalogError) {
        try locked {
            try db.transaction {
                try db.query("INSERT INTO triggers (\(Self.triggerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [.text(t.id), .text(t.projectID), .text(t.name), .text(t.type), .text(Self.serialized(t.properties)),
                              .real(t.createdAt), .real(t.updatedAt)])
                try bumpGeneration(db)
            }
        }
    }

    private func triggerRows(_ sql: String, _ bindings: [SQLiteValue], on db: SQLiteConnection) throws -> [TriggerRecord] {
        var out: [TriggerRecord] = []
        try db.query("SELECT \(Self.triggerColumns) FROM triggers \(sql)", bindings) { row in
            out.append(TriggerRecord(id: row.text(0) ?? "", projectID: row.text(1) ?? "", name: row.text(2) ?? "",
                                     type: row.text(3) ?? "time", properties: Self.pairs(row.text(4)),
                                     createdAt: row.real(5), updatedAt: row.real(6)))
        }
        return out
    }

    public func trigger(_ id: String) throws(CatalogError) -> TriggerRecord? {
        try reading { db in try triggerRows("WHERE id = ?", [.text(id)], on: db).first }
    }

    public func triggers(_ query: CatalogQuery) throws(CatalogError) -> [TriggerRecord] {
        try reading { db in
            let (sql, bindings) = try listing(query, table: "triggers", timeColumn: "created_at", filterable: ["name", "type"],
                                              sortable: ["id", "name", "updated_at"])
            return try triggerRows(sql, bindings, on: db)
        }
    }

    public func updateTrigger(_ t: TriggerRecord) throws(CatalogError) -> Bool {
        try locked {
            try db.transaction {
                try db.query("UPDATE triggers SET name = ?, properties = ?, updated_at = ? WHERE id = ?",
                             [.text(t.name), .text(Self.serialized(t.properties)), .real(t.updatedAt), .text(t.id)])
                let found = db.changes == 1
                if found { try bumpGeneration(db) }
                return found
            }
        }
    }

    public func deleteTrigger(_ id: String) throws(CatalogError) -> TriggerDeletion {
        try locked {
            try db.transaction {
                var users: [String] = []
                try db.query("SELECT id FROM scheduled_operations WHERE trigger_id = ? ORDER BY created_at", [.text(id)]) {
                    users.append($0.text(0) ?? "")
                }
                if !users.isEmpty { return .inUse(users) }
                try db.query("DELETE FROM triggers WHERE id = ?", [.text(id)])
                guard db.changes == 1 else { return .notFound }
                try bumpGeneration(db)
                return .deleted
            }
        }
    }

    // MARK: Scheduled operations

    public func createScheduledOperation(_ o: ScheduledOperationRecord) throws(CatalogError) -> Bool {
        try locked {
            try db.transaction {
                var exists = false
                try db.query("SELECT 1 FROM triggers WHERE id = ?", [.text(o.triggerID)]) { _ in exists = true }
                guard exists else { return false }
                try db.query("INSERT INTO scheduled_operations (\(Self.operationColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [.text(o.id), .text(o.projectID), .text(o.name), .text(o.description), .text(o.operationType.rawValue),
                              .text(o.triggerID), .text(Self.serialized(o.definition)), .integer(o.enabled ? 1 : 0),
                              .real(o.activeSince), .real(o.createdAt), .real(o.updatedAt)])
                try bumpGeneration(db)
                return true
            }
        }
    }

    private func operationRows(_ sql: String, _ bindings: [SQLiteValue], on db: SQLiteConnection) throws -> [ScheduledOperationRecord] {
        var out: [ScheduledOperationRecord] = []
        try db.query("SELECT \(Self.operationColumns) FROM scheduled_operations \(sql)", bindings) { row in
            out.append(ScheduledOperationRecord(
                id: row.text(0) ?? "", projectID: row.text(1) ?? "", name: row.text(2) ?? "", description: row.text(3) ?? "",
                operationType: ScheduledOperationRecord.Kind(rawValue: row.text(4) ?? "") ?? .protect, triggerID: row.text(5) ?? "",
                definition: Self.pairs(row.text(6)), enabled: row.integer(7) != 0, activeSince: row.real(8),
                createdAt: row.real(9), updatedAt: row.real(10)))
        }
        return out
    }

    public func scheduledOperation(_ id: String) throws(CatalogError) -> ScheduledOperationRecord? {
        try reading { db in try operationRows("WHERE id = ?", [.text(id)], on: db).first }
    }

    public func scheduledOperations(_ query: CatalogQuery) throws(CatalogError) -> [ScheduledOperationRecord] {
        try reading { db in
            let (sql, bindings) = try listing(query, table: "scheduled_operations", timeColumn: "created_at",
                                              filterable: ["name", "operation_type", "trigger_id", "enabled"],
                                              sortable: ["id", "name", "updated_at"])
            return try operationRows(sql, bindings, on: db)
        }
    }

    public func updateScheduledOperation(_ o: ScheduledOperationRecord) throws(CatalogError) -> Bool {
        try locked {
            try db.transaction {
                try db.query("UPDATE scheduled_operations SET name = ?, description = ?, enabled = ?, active_since = ?, updated_at = ? WHERE id = ?",
                             [.text(o.name), .text(o.description), .integer(o.enabled ? 1 : 0), .real(o.activeSince),
                              .real(o.updatedAt), .text(o.id)])
                let found = db.changes == 1
                if found { try bumpGeneration(db) }
                return found
            }
        }
    }

    public func deleteScheduledOperation(_ id: String) throws(CatalogError) -> Bool {
        try locked {
            try db.transaction {
                try db.query("DELETE FROM scheduled_operations WHERE id = ?", [.text(id)])
                let found = db.changes == 1
                if found {
                    try db.query("DELETE FROM schedule_fires WHERE scheduled_operation_id = ?", [.text(id)])
                    try bumpGeneration(db)
                }
                return found
            }
        }
    }

    // MARK: Fires

    /// How long fire rows are kept besides each schedule's latest (which says where it
    /// stopped): long enough for any window, short enough that the table stays small.
    static let fireHistorySeconds: Int64 = 8 * 86_400

    public func recordFires(_ fires: [ScheduleFire]) throws(CatalogError) -> [Bool] {
        guard !fires.isEmpty else { return [] }
        return try locked {
            try db.transaction {
                var recorded: [Bool] = []
                let time = now()
                for fire in fires {
                    try db.query("INSERT OR IGNORE INTO schedule_fires (scheduled_operation_id, fire_time, outcome, detail, recorded_at) VALUES (?, ?, ?, ?, ?)",
                                 [.text(fire.scheduledOperationID), .integer(fire.fireTime), .text(fire.outcome.rawValue),
                                  Self.text(fire.detail), .real(time)])
                    recorded.append(db.changes == 1)
                    try db.query("DELETE FROM schedule_fires WHERE scheduled_operation_id = ? AND fire_time < ?",
                                 [.text(fire.scheduledOperationID), .integer(fire.fireTime - Self.fireHistorySeconds)])
                }
                return recorded
            }
        }
    }

    public func lastFires() throws(CatalogError) -> [String: Int64] {
        try reading { db in
            var out: [String: Int64] = [:]
            try db.query("SELECT scheduled_operation_id, MAX(fire_time) FROM schedule_fires GROUP BY scheduled_operation_id") {
                out[$0.text(0) ?? ""] = $0.integer(1)
            }
            return out
        }
    }

    public func lastFire(of scheduledOperationID: String) throws(CatalogError) -> Int64? {
        try reading { db in
            var last: Int64?
            try db.query("SELECT MAX(fire_time) FROM schedule_fires WHERE scheduled_operation_id = ?", [.text(scheduledOperationID)]) {
                if !$0.isNull(0) { last = $0.integer(0) }
            }
            return last
        }
    }

    public func scheduleGeneration() throws(CatalogError) -> Int64 {
        try reading { db in
            var generation: Int64 = 0
            try db.query("SELECT generation FROM schedule_generation WHERE id = 1") { generation = $0.integer(0) }
            return generation
        }
    }
}
