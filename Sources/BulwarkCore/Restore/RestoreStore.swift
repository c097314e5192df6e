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
            try db.execute("""
                CREATE TABLE IF NOT EXISTS restores (
                  id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, status TEXT NOT NULL,
                  parameters TEXT NOT NULL, resources TEXT NOT NULL, new_resources TEXT NOT NULL, error TEXT,
                  created_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS restores_by_time ON restores (created_at);
                """)
        } catch {
            throw EngineError("state database \(path): \(error)")
        }
    }

    public func save(_ r: RestoreRecord) throws(EngineError) {
        var map = JSONObject()
        for (old, new) in r.newResources { map[old] = .string(new) }
        lock.lock()
        defer { lock.unlock() }
        do {
            try db.query("""
                INSERT OR REPLACE INTO restores (id, provider_id, checkpoint_id, status, parameters, resources, new_resources, error, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(r.id), .text(r.providerID), .text(r.checkpointID), .text(r.status.rawValue), .text(r.parameters.serialized()),
                      .text(JSON.object(r.resources).serialized()), .text(JSON.object(map).serialized()),
                      r.error.map { .text($0) } ?? .null, .real(r.createdAt), .real(r.updatedAt)])
        } catch {
            throw EngineError("state database \(path): \(error)")
        }
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
            try db.query("SELECT id, provider_id, checkpoint_id, status, parameters, resources, new_resources, error, created_at, updated_at FROM restores \(filter.0) ORDER BY created_at DESC", filter.1) { row in
                var map: [String: String] = [:]
                for (k, v) in (try? JSON.parse(row.text(6) ?? "{}"))?.objectValue ?? JSONObject() { map[k] = v.stringValue }
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
