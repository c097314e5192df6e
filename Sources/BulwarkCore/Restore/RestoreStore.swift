import BulwarkJSON
import BulwarkSQLite
import Foundation

/// The local state database (SQLite) where restores are recorded. Safe from several
/// threads and processes (one connection, behind a lock; SQLite's own locking between
/// processes).
public final class RestoreStore: @unchecked Sendable {
    private let db: SQLiteConnection
    private let lock = NSLock()
    public let path: String

    public static let environmentVariable = "BULWARK_STATE"

    /// `$BULWARK_STATE`, else `$XDG_STATE_HOME/bulwark/state.sqlite`, else
    /// `~/.local/state/bulwark/state.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment[environmentVariable], !explicit.isEmpty { return explicit }
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return base + "/bulwark/state.sqlite"
    }

    public init(path: String) throws(EngineError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw EngineError("cannot create the state directory for \(path): \(error.localizedDescription)")
        }
        do {
            db = try SQLiteConnection(path: path)
            // In one transaction: processes opening a new state database at once must not
            // both add a column.
            try db.execute("BEGIN IMMEDIATE")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS restores (
                  id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, status TEXT NOT NULL,
                  parameters TEXT NOT NULL, resources TEXT NOT NULL, new_resources TEXT NOT NULL, error TEXT,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS restores_by_time ON restores (created_at);
                """)
            // Restores hold a lease in their own row, renewed while they run, so that one
            // whose process died is found and failed (see `recover`).
            var columns = Set<String>()
            try db.query("SELECT name FROM pragma_table_info('restores')") { columns.insert($0.text(0) ?? "") }
            if !columns.contains("owner_id") { try db.execute("ALTER TABLE restores ADD COLUMN owner_id TEXT") }
            if !columns.contains("lease_expires_at") { try db.execute("ALTER TABLE restores ADD COLUMN lease_expires_at REAL") }
            try db.execute("COMMIT")
        } catch {
            throw EngineError("state database \(path): \(error)")
        }
    }

    /// Save a record; `owner` and `leaseTTL` give a running restore its lease.
    public func save(_ r: RestoreRecord, owner: String? = nil, leaseTTL: UInt32? = nil) throws(EngineError) {
        var map = JSONObject()
        for (old, new) in r.newResources { map[old.value] = .string(new) }
        lock.lock()
        defer { lock.unlock() }
        do {
            try db.query("""
                INSERT OR REPLACE INTO restores (id, provider_id, checkpoint_id, status, parameters, resources, new_resources, error, created_at, updated_at, owner_id, lease_expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(r.id), .text(r.providerID), .text(r.checkpointID), .text(r.status.rawValue), .text(r.parameters.serialized()),
                      .text(JSON.object(r.resources).serialized()), .text(JSON.object(map).serialized()),
                      r.error.map { .text($0) } ?? .null, .real(r.createdAt), .real(r.updatedAt),
                      owner.map { .text($0) } ?? .null, leaseTTL.map { .real(currentTime() + Double($0)) } ?? .null])
        } catch {
            throw EngineError("state database \(path): \(error)")
        }
    }

    /// A renewal found the restore no longer running under this owner: it was failed by
    /// recovery after its lease expired.
    struct LeaseTakenOver: Error, CustomStringConvertible {
        var id: String
        var description: String { "restore \(id) is no longer in progress under this engine (its lease expired and it was marked fail)" }
    }

    private func currentTime() -> Double { Date().timeIntervalSince1970 }

    /// The lease of running restore `record`, kept in its row.
    func lease(_ record: RestoreRecord, owner: String) -> OwnerLease.Store {
        OwnerLease.Store(
            acquire: { [self] ttl in try save(record, owner: owner, leaseTTL: ttl) },
            renew: { [self] ttl in
                try locked {
                    try db.query("UPDATE restores SET lease_expires_at = ? WHERE id = ? AND owner_id = ? AND status = 'in_progress'",
                                 [.real(currentTime() + Double(ttl)), .text(record.id), .text(owner)])
                    if db.changes != 1 { throw LeaseTakenOver(id: record.id) }
                }
            },
            release: {},
            isTakenOver: { $0 is LeaseTakenOver })
    }

    private func locked<R>(_ body: () throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Fail every running restore whose lease has expired: the process that ran it was
    /// killed or crashed. Restores recorded before restores had leases count as expired.
    private func recover() throws {
        try db.query("""
            UPDATE restores SET status = 'fail', updated_at = ?,
              error = 'the engine that ran it (owner ' || COALESCE(owner_id, 'unknown') || ') stopped before it finished; its lease expired'
            WHERE status = 'in_progress' AND (lease_expires_at IS NULL OR lease_expires_at < ?)
            """, [.real(currentTime()), .real(currentTime())])
    }

    public func restores(providerID: String? = nil) throws(EngineError) -> [RestoreRecord] {
        try fetch(providerID.map { ("WHERE provider_id = ?", [.text($0)]) } ?? ("", []))
    }

    public func restore(_ id: String) throws(EngineError) -> RestoreRecord? {
        try fetch(("WHERE id = ?", [.text(id)])).first
    }

    private func fetch(_ filter: (String, [SQLiteValue])) throws(EngineError) -> [RestoreRecord] {
        lock.lock()
        defer { lock.unlock() }
        var records: [RestoreRecord] = []
        do {
            try recover()
            try db.query("SELECT id, provider_id, checkpoint_id, status, parameters, resources, new_resources, error, created_at, updated_at FROM restores \(filter.0) ORDER BY created_at DESC", filter.1) { row in
                var map: [ExactString: String] = [:]
                for (k, v) in (try? JSON.parse(row.text(6) ?? "{}"))?.objectValue ?? JSONObject() { map[ExactString(k)] = v.stringValue }
                records.append(RestoreRecord(
                    id: row.text(0) ?? "", providerID: row.text(1) ?? "", checkpointID: row.text(2) ?? "",
                    status: RestoreRecord.Status(rawValue: row.text(3) ?? "") ?? .fail,
                    parameters: (try? JSON.parse(row.text(4) ?? "{}")) ?? [:],
                    resources: (try? JSON.parse(row.text(5) ?? "{}"))?.objectValue ?? JSONObject(),
                    newResources: map, error: row.text(7), createdAt: row.real(8), updatedAt: row.real(9)))
            }
        } catch {
            throw EngineError("state database \(path): \(error)")
        }
        return records
    }
}
