import BulwarkJSON
import BulwarkSQLite
import Foundation
import Synchronization

/// The embedded catalog: one SQLite database (WAL, synchronous=FULL, so a commit that
/// returned survives a power cut). Writes go through one connection behind a lock; reads
/// take a connection of a small pool, so that they never wait for a write's fsync (WAL
/// readers see the last commit while a writer works). Every statement is a point lookup
/// or a short indexed scan. SQLite's own locking keeps several processes (the server and
/// the CLI) consistent.
public final class SQLiteCatalog: Catalog, @unchecked Sendable {
    let db: SQLiteConnection
    private let lock = NSLock()
    private let readers = Mutex<[SQLiteConnection]>([])
    public let path: String
    public var location: String { "catalog \(path)" }

    public static let environmentVariable = "BULWARK_CATALOG"
    /// The name earlier versions used, still honoured.
    public static let legacyEnvironmentVariable = "BULWARK_STATE"
    /// The schema version this build writes (the number of migration steps).
    public static var schemaVersion: Int { CatalogMigrations.steps.count }

    /// `$BULWARK_CATALOG`, else `$BULWARK_STATE`, else `$XDG_STATE_HOME/bulwark/state.sqlite`,
    /// else `~/.local/state/bulwark/state.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for name in [environmentVariable, legacyEnvironmentVariable] {
            if let explicit = environment[name], !explicit.isEmpty { return explicit }
        }
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return base + "/bulwark/state.sqlite"
    }

    /// Open (creating it if need be) and bring its schema up to date.
    public init(path: String) throws(CatalogError) {
        self.path = path
        let parent = (path as NSString).deletingLastPathComponent
        do {
            if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        } catch {
            throw CatalogError(.storage, "cannot create the directory of catalog \(path): \(error.localizedDescription)")
        }
        do {
            db = try SQLiteConnection(path: path)
        } catch {
            throw CatalogError(.storage, "catalog \(path): \(error)")
        }
        try migrate()
    }

    private func migrate() throws(CatalogError) {
        let steps = CatalogMigrations.steps
        do {
            try db.execute("BEGIN IMMEDIATE")
            var version = 0
            try db.query("PRAGMA user_version") { version = Int($0.integer(0)) }
            if version > steps.count {
                try db.execute("ROLLBACK")
                throw CatalogError(.newerSchema, "catalog \(path) has schema version \(version), written by a newer Bulwark; this one knows versions up to \(steps.count). Use that newer Bulwark, or restore a backup of the catalog made before it was upgraded")
            }
            for index in version..<steps.count {
                do { try steps[index].run(db) } catch {
                    throw CatalogError(.storage, "catalog \(path): upgrading to schema version \(index + 1) (\(steps[index].name)) failed: \(error)")
                }
            }
            if version < steps.count { try db.execute("PRAGMA user_version = \(steps.count)") }
            try db.execute("COMMIT")
        } catch let error as CatalogError {
            try? db.execute("ROLLBACK")
            throw error
        } catch {
            try? db.execute("ROLLBACK")
            throw CatalogError(.storage, "catalog \(path): \(error)")
        }
    }

    func locked<R>(_ body: () throws -> R) throws(CatalogError) -> R {
        lock.lock()
        defer { lock.unlock() }
        do { return try body() } catch let error as CatalogError { throw error } catch {
            throw CatalogError(.storage, "catalog \(path): \(error)")
        }
    }

    /// Run a read-only `body` on a pooled reader connection (opened on first need).
    func reading<R>(_ body: (SQLiteConnection) throws -> R) throws(CatalogError) -> R {
        do {
            let connection = try readers.withLock { $0.popLast() } ?? SQLiteConnection(path: path)
            defer { readers.withLock { if $0.count < 8 { $0.append(connection) } } }
            return try body(connection)
        } catch let error as CatalogError { throw error } catch {
            throw CatalogError(.storage, "catalog \(path): \(error)")
        }
    }

    func now() -> Double { Date().timeIntervalSince1970 }

    static func text(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }

    /// ORDER BY, marker and project clauses of a listing, with their bindings.
    func listing(_ query: CatalogQuery, table: String, timeColumn: String, filterable: Set<String>,
                         sortable: Set<String>, extra: [(String, SQLiteValue)] = []) throws -> (String, [SQLiteValue]) {
        var clauses: [String] = []
        var bindings: [SQLiteValue] = []
        for (column, value) in extra {
            clauses.append("\(column) = ?")
            bindings.append(value)
        }
        if let project = query.projectID {
            clauses.append("project_id = ?")
            bindings.append(.text(project))
        }
        for (column, value) in query.filters.sorted(by: { $0.key < $1.key }) {
            guard filterable.contains(column) else {
                throw CatalogError(.invalidQuery, "cannot filter on \(column); the filters are \(filterable.sorted().joined(separator: ", "))")
            }
            clauses.append("\(column) = ?")
            bindings.append(.text(value))
        }
        let key = query.sortKey == "created_at" ? timeColumn : query.sortKey
        guard sortable.contains(key) || key == timeColumn else {
            throw CatalogError(.invalidQuery, "cannot sort on \(query.sortKey); the sort keys are \((sortable.union(["created_at"])).sorted().joined(separator: ", "))")
        }
        let direction = query.ascending ? "ASC" : "DESC"
        let comparison = query.ascending ? ">" : "<"
        if let marker = query.marker {
            // After the marker in (key, id) order, so that equal keys still page exactly.
            clauses.append("(\(key), id) \(comparison) (SELECT \(key), id FROM \(table) WHERE id = ?)")
            bindings.append(.text(marker))
        }
        var sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        sql += " ORDER BY \(key) \(direction), id \(direction)"
        if query.limit > 0 { sql += " LIMIT \(query.limit)" }
        return (sql, bindings)
    }

    // MARK: Plans

    private static let planColumns = "id, project_id, name, description, provider_id, status, resources, parameters, created_at, updated_at, hooks"

    public func createPlan(_ plan: PlanRecord, quota: Int) throws(CatalogError) {
        try locked {
            try db.transaction {
                if quota >= 0 {
                    var count = 0
                    try db.query("SELECT COUNT(*) FROM plans WHERE project_id = ?", [.text(plan.projectID)]) { count = Int($0.integer(0)) }
                    if count >= quota {
                        throw CatalogError(.overQuota, "Quota exceeded for resources: ['plans'] (project \(plan.projectID) has \(count) of its \(quota) plans)")
                    }
                }
                try db.query("INSERT INTO plans (\(Self.planColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", planValues(plan))
            }
        }
    }

    private func planValues(_ plan: PlanRecord) -> [SQLiteValue] {
        [.text(plan.id), .text(plan.projectID), .text(plan.name), .text(plan.description), .text(plan.providerID),
         .text(plan.status.rawValue), .text(JSON.array(plan.resources.map(\.json)).serialized()),
         .text(JSON.object(plan.parameters).serialized()), .real(plan.createdAt), .real(plan.updatedAt), .text(Self.hooksText(plan.hooks))]
    }

    private static func hooksText(_ hooks: [String: String]) -> String {
        JSON.object(JSONObject(hooks.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })).serialized()
    }

    private static func hooks(_ text: String?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in (try? JSON.parse(text ?? "{}"))?.objectValue ?? JSONObject() { out[k] = v.stringValue }
        return out
    }

    private func planRows(_ sql: String, _ bindings: [SQLiteValue], on db: SQLiteConnection) throws -> [PlanRecord] {
        var plans: [PlanRecord] = []
        try db.query("SELECT \(Self.planColumns) FROM plans \(sql)", bindings) { row in
            let resources = ((try? JSON.parse(row.text(6) ?? "[]"))?.arrayValue ?? []).compactMap { try? Resource(json: $0, origin: "catalog") }
            plans.append(PlanRecord(
                id: row.text(0) ?? "", projectID: row.text(1) ?? "", name: row.text(2) ?? "", description: row.text(3) ?? "",
                providerID: row.text(4) ?? "", status: PlanRecord.Status(rawValue: row.text(5) ?? "") ?? .suspended,
                resources: resources, parameters: (try? JSON.parse(row.text(7) ?? "{}"))?.objectValue ?? JSONObject(),
                hooks: Self.hooks(row.text(10)), createdAt: row.real(8), updatedAt: row.real(9)))
        }
        return plans
    }

    public func plan(_ id: String) throws(CatalogError) -> PlanRecord? {
        try reading { db in try planRows("WHERE id = ?", [.text(id)], on: db).first }
    }

    public func plans(_ query: CatalogQuery) throws(CatalogError) -> [PlanRecord] {
        try reading { db in
            let (sql, bindings) = try listing(query, table: "plans", timeColumn: "created_at",
                                              filterable: ["name", "description", "status", "provider_id"],
                                              sortable: ["id", "name", "status", "updated_at"])
            return try planRows(sql, bindings, on: db)
        }
    }

    public func updatePlan(_ plan: PlanRecord) throws(CatalogError) -> Bool {
        try locked {
            try db.query("UPDATE plans SET name = ?, description = ?, status = ?, resources = ?, parameters = ?, updated_at = ?, hooks = ? WHERE id = ?",
                         [.text(plan.name), .text(plan.description), .text(plan.status.rawValue),
                          .text(JSON.array(plan.resources.map(\.json)).serialized()), .text(JSON.object(plan.parameters).serialized()),
                          .real(plan.updatedAt), .text(Self.hooksText(plan.hooks)), .text(plan.id)])
            return db.changes == 1
        }
    }

    public func deletePlan(_ id: String) throws(CatalogError) -> Bool {
        try locked {
            try db.query("DELETE FROM plans WHERE id = ?", [.text(id)])
            return db.changes == 1
        }
    }

    public func countPlans(project: String) throws(CatalogError) -> Int {
        try reading { db in
            var count = 0
            try db.query("SELECT COUNT(*) FROM plans WHERE project_id = ?", [.text(project)]) { count = Int($0.integer(0)) }
            return count
        }
    }

    // MARK: Restores and verifications

    public func saveRestore(_ r: RestoreRecord, owner: String?, leaseTTL: UInt32?) throws(CatalogError) {
        var map = JSONObject()
        for (old, new) in r.newResources { map[old.value] = .string(new) }
        try locked {
            try db.query("""
                INSERT OR REPLACE INTO restores (id, kind, project_id, provider_id, checkpoint_id, status, parameters, restore_target, resources, new_resources, error, created_at, updated_at, owner_id, lease_expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(r.id), .text(r.kind.rawValue), .text(r.projectID), .text(r.providerID), .text(r.checkpointID),
                      .text(r.status.rawValue), .text(r.parameters.serialized()), Self.text(r.restoreTarget),
                      .text(JSON.object(r.resources).serialized()), .text(JSON.object(map).serialized()),
                      Self.text(r.error), .real(r.createdAt), .real(r.updatedAt),
                      Self.text(owner), leaseTTL.map { .real(now() + Double($0)) } ?? .null])
        }
    }

    public func renewRestoreLease(_ id: String, owner: String, ttl: UInt32) throws(CatalogError) {
        try locked {
            try db.query("UPDATE restores SET lease_expires_at = ? WHERE id = ? AND owner_id = ? AND status = 'in_progress'",
                         [.real(now() + Double(ttl)), .text(id), .text(owner)])
            if db.changes != 1 {
                throw CatalogError(.takenOver, "restore \(id) is no longer in progress under this engine (its lease expired and it was marked fail)")
            }
        }
    }

    /// Fail every running restore whose lease has expired: the process that ran it was
    /// killed or crashed. Restores recorded before restores had leases count as expired.
    private func recoverRestores() throws {
        try db.query("""
            UPDATE restores SET status = 'fail', updated_at = ?,
              error = 'the engine that ran it (owner ' || COALESCE(owner_id, 'unknown') || ') stopped before it finished; its lease expired'
            WHERE status = 'in_progress' AND (lease_expires_at IS NULL OR lease_expires_at < ?)
            """, [.real(now()), .real(now())])
    }

    public func restore(_ id: String) throws(CatalogError) -> RestoreRecord? {
        try locked {
            try recoverRestores()
            return try restoreRows("WHERE id = ?", [.text(id)], on: db).first
        }
    }

    public func restores(_ query: CatalogQuery) throws(CatalogError) -> [RestoreRecord] {
        try locked {
            try recoverRestores()
            var filters = query
            let kind = filters.filters.removeValue(forKey: "kind") ?? RestoreRecord.Kind.restore.rawValue
            let (sql, bindings) = try listing(filters, table: "restores", timeColumn: "created_at",
                                              filterable: ["status", "provider_id", "checkpoint_id"], sortable: ["id", "status", "updated_at"],
                                              extra: [("kind", .text(kind))])
            return try restoreRows(sql, bindings, on: db)
        }
    }

    private func restoreRows(_ sql: String, _ bindings: [SQLiteValue], on db: SQLiteConnection) throws -> [RestoreRecord] {
        var records: [RestoreRecord] = []
        try db.query("SELECT id, kind, project_id, provider_id, checkpoint_id, status, parameters, restore_target, resources, new_resources, error, created_at, updated_at FROM restores \(sql)", bindings) { row in
            var map: [ExactString: String] = [:]
            for (k, v) in (try? JSON.parse(row.text(9) ?? "{}"))?.objectValue ?? JSONObject() { map[ExactString(k)] = v.stringValue }
            records.append(RestoreRecord(
                id: row.text(0) ?? "", kind: RestoreRecord.Kind(rawValue: row.text(1) ?? "") ?? .restore, projectID: row.text(2) ?? "",
                providerID: row.text(3) ?? "", checkpointID: row.text(4) ?? "",
                status: RestoreRecord.Status(rawValue: row.text(5) ?? "") ?? .fail,
                parameters: (try? JSON.parse(row.text(6) ?? "{}")) ?? [:], restoreTarget: row.text(7),
                resources: (try? JSON.parse(row.text(8) ?? "{}"))?.objectValue ?? JSONObject(),
                newResources: map, error: row.text(10), createdAt: row.real(11), updatedAt: row.real(12)))
        }
        return records
    }

    // MARK: Operation logs

    private static let logColumns = "id, project_id, operation_type, provider_id, checkpoint_id, plan_id, restore_id, verification_id, scheduled_operation_id, status, started_at, ended_at, error_info, extra_info, owner_instance"

    public func saveLog(_ log: OperationLog, leaseTTL: UInt32) throws(CatalogError) {
        let lease: SQLiteValue = log.ownerInstance == nil ? .null : .real(now() + Double(leaseTTL))
        try locked {
            try db.query("INSERT OR REPLACE INTO operation_logs (\(Self.logColumns), lease_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [.text(log.id), .text(log.projectID), .text(log.operationType.rawValue), .text(log.providerID),
                          Self.text(log.checkpointID), Self.text(log.planID), Self.text(log.restoreID), Self.text(log.verificationID),
                          Self.text(log.scheduledOperationID), .text(log.status), .real(log.startedAt),
                          log.endedAt.map { .real($0) } ?? .null, Self.text(log.errorInfo),
                          .text(JSON.object(log.extraInfo).serialized()), Self.text(log.ownerInstance), lease])
        }
    }

    private func logRows(_ sql: String, _ bindings: [SQLiteValue], on db: SQLiteConnection) throws -> [OperationLog] {
        var logs: [OperationLog] = []
        try db.query("SELECT \(Self.logColumns) FROM operation_logs \(sql)", bindings) { row in
            var log = OperationLog(
                id: row.text(0) ?? "", projectID: row.text(1) ?? "", operationType: OperationLog.Kind(rawValue: row.text(2) ?? "") ?? .protect,
                providerID: row.text(3) ?? "", checkpointID: row.text(4), planID: row.text(5), restoreID: row.text(6),
                verificationID: row.text(7), scheduledOperationID: row.text(8), status: row.text(9) ?? "", startedAt: row.real(10),
                extraInfo: (try? JSON.parse(row.text(13) ?? "{}"))?.objectValue ?? JSONObject(), ownerInstance: row.text(14))
            log.endedAt = row.isNull(11) ? nil : row.real(11)
            log.errorInfo = row.text(12)
            logs.append(log)
        }
        return logs
    }

    public func log(_ id: String) throws(CatalogError) -> OperationLog? {
        try reading { db in try logRows("WHERE id = ?", [.text(id)], on: db).first }
    }

    public func logs(_ query: CatalogQuery) throws(CatalogError) -> [OperationLog] {
        try reading { db in
            let (sql, bindings) = try listing(query, table: "operation_logs", timeColumn: "started_at",
                                              filterable: ["checkpoint_id", "plan_id", "restore_id", "verification_id", "status",
                                                           "operation_type", "provider_id", "scheduled_operation_id"],
                                              sortable: ["id", "status", "ended_at", "operation_type"])
            return try logRows(sql, bindings, on: db)
        }
    }

    public func renewLogs(instance: String, ttl: UInt32) throws(CatalogError) -> [String] {
        try locked {
            let time = now()
            try db.query("UPDATE operation_logs SET lease_expires_at = ? WHERE owner_instance = ?", [.real(time + Double(ttl)), .text(instance)])
            var failed: [String] = []
            try db.transaction {
                try db.query("SELECT id FROM operation_logs WHERE owner_instance IS NOT NULL AND lease_expires_at < ?", [.real(time)]) {
                    failed.append($0.text(0) ?? "")
                }
                try db.query("""
                    UPDATE operation_logs SET
                      status = CASE operation_type WHEN 'restore' THEN 'fail' WHEN 'verify' THEN 'fail' ELSE 'error' END,
                      ended_at = ?, owner_instance = NULL, lease_expires_at = NULL,
                      error_info = 'the process that ran it (' || owner_instance || ') stopped before it finished; its lease expired'
                    WHERE owner_instance IS NOT NULL AND lease_expires_at < ?
                    """, [.real(time), .real(time)])
            }
            return failed
        }
    }

    // MARK: Quotas

    public func quotas(project: String) throws(CatalogError) -> [String: Int] {
        try reading { db in
            var limits: [String: Int] = [:]
            try db.query("SELECT resource, hard_limit FROM quotas WHERE project_id = ?", [.text(project)]) {
                limits[$0.text(0) ?? ""] = Int($0.integer(1))
            }
            return limits
        }
    }

    public func setQuotas(project: String, _ limits: [String: Int]) throws(CatalogError) {
        try locked {
            try db.transaction {
                for (resource, limit) in limits {
                    try db.query("INSERT OR REPLACE INTO quotas (project_id, resource, hard_limit) VALUES (?, ?, ?)",
                                 [.text(project), .text(resource), .integer(Int64(limit))])
                }
            }
        }
    }

    // MARK: Services

    public func registerService(host: String, binary: String, instance: String) throws(CatalogError) -> Int {
        try locked {
            let time = now()
            try db.query("""
                INSERT INTO services (host, binary, enabled, disabled_reason, instance_id, heartbeat_at, created_at)
                VALUES (?, ?, 1, NULL, ?, ?, ?)
                ON CONFLICT (host, binary) DO UPDATE SET instance_id = excluded.instance_id, heartbeat_at = excluded.heartbeat_at
                """, [.text(host), .text(binary), .text(instance), .real(time), .real(time)])
            var id = 0
            try db.query("SELECT id FROM services WHERE host = ? AND binary = ?", [.text(host), .text(binary)]) { id = Int($0.integer(0)) }
            return id
        }
    }

    public func heartbeat(service id: Int) throws(CatalogError) {
        try locked { try db.query("UPDATE services SET heartbeat_at = ? WHERE id = ?", [.real(now()), .integer(Int64(id))]) }
    }

    public func services() throws(CatalogError) -> [ServiceRecord] {
        try reading { db in
            var services: [ServiceRecord] = []
            try db.query("SELECT id, host, binary, enabled, disabled_reason, heartbeat_at, created_at FROM services ORDER BY id") { row in
                services.append(ServiceRecord(id: Int(row.integer(0)), host: row.text(1) ?? "", binary: row.text(2) ?? "",
                                              enabled: row.integer(3) != 0, disabledReason: row.text(4), heartbeatAt: row.real(5),
                                              createdAt: row.real(6)))
            }
            return services
        }
    }

    public func updateService(_ id: Int, enabled: Bool, reason: String?) throws(CatalogError) -> Bool {
        try locked {
            try db.query("UPDATE services SET enabled = ?, disabled_reason = ? WHERE id = ?",
                         [.integer(enabled ? 1 : 0), Self.text(enabled ? nil : reason), .integer(Int64(id))])
            return db.changes == 1
        }
    }
}
