import BulwarkPluginKit
import BulwarkSQLite
import Glibc
import Synchronization

/// The embedded default bank: one SQLite database file (WAL, synchronous=FULL).
///
/// Blobs live in rowid tables, keys in their own indices: in a WITHOUT ROWID table a
/// key search copies every overflowing row it passes, blob and all, and a multi-megabyte
/// checkpoint index made every write slow (see docs/benchmarks.md).
///
/// Small objects are stored inline; objects written in pieces are stored as chunks with
/// their byte offsets, so ranged reads touch only the chunks they need. An object appears
/// only when its transaction commits, so a crash never leaves a half-written object
/// readable. Leases are rows with an owner and an expiry.
struct SQLiteBank: BankPlugin {
    static let name = "bulwark-sqlite-bank"
    static let aliases = ["sqlite"]
    static let configSchema: JSON? = [
        "type": "object",
        "properties": [
            "path": ["type": "string", "minLength": 1, "description": "The database file; created when missing."],
            "busy_timeout_ms": ["type": "integer", "minimum": 0],
        ],
        "required": ["path"],
        "additionalProperties": false,
    ]

    let store: SQLiteStore

    init(configuration: JSON, context: borrowing PluginContext) throws {
        guard let path = configuration["path"]?.stringValue else { throw PluginError.invalidArgument("option \"path\" is required") }
        let timeout = Int32(configuration["busy_timeout_ms"]?.numberValue?.intValue ?? 30_000)
        store = try SQLiteStore(path: path, busyTimeout: timeout)
    }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws { try store.put(key, bytes) }
    func openWriter(_ key: String) throws -> any BankObjectWriter { SQLiteObjectWriter(store: store, key: key) }
    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] { try store.get(key, offset: offset, length: length) }
    func size(_ key: String) throws -> UInt64 { try store.size(key) }
    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        try store.list(prefix: prefix, marker: marker, limit: limit, descending: descending)
    }
    func delete(_ key: String) throws { try store.delete(key) }
    func acquireLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: false) }
    func renewLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: true) }
    func checkLease(_ name: String) throws -> LeaseInfo? { try store.checkLease(name) }
    func releaseLease(_ name: String, owner: String) throws { try store.releaseLease(name, owner: owner) }
}

final class SQLiteStore: @unchecked Sendable {
    let path: String
    let writes: GroupCommit
    private let readers = Mutex<[SQLiteConnection]>([])
    private let busyTimeout: Int32
    /// Objects larger than this are stored as chunks of this size.
    static let chunkSize = 4 << 20

    init(path: String, busyTimeout: Int32) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        let writer = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeout)
        try writer.execute("""
            CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB, updated_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS chunks (key TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, offset));
            CREATE TABLE IF NOT EXISTS uploads (upload TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (upload, offset));
            CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID;
            """)
        // Pieces of uploads abandoned by a crash more than a day ago are garbage.
        try writer.query("DELETE FROM uploads WHERE created_at < ?", [.real(currentUnixTime() - 86_400)])
        writes = GroupCommit(connection: writer)
    }

    /// Run `body` with a reader connection from the pool.
    func read<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        let connection = try readers.withLock { $0.popLast() } ?? SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeout)
        defer { readers.withLock { $0.append(connection) } }
        return try body(connection)
    }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count <= Self.chunkSize {
            let copy = Array(bytes)
            try writes.perform { db in
                try db.query("DELETE FROM chunks WHERE key = ?", [.text(key)])
                try db.query("INSERT OR REPLACE INTO objects (key, size, data, updated_at) VALUES (?, ?, ?, ?)",
                             [.text(key), .integer(Int64(copy.count)), .blob(copy), .real(currentUnixTime())])
            }
        } else {
            let writer = SQLiteObjectWriter(store: self, key: key)
            try writer.append(bytes)
            try writer.commit()
        }
    }

    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        try read { db in
            var found = false
            var size: UInt64 = 0
            var inline: [UInt8]?
            try db.query("SELECT size, data FROM objects WHERE key = ?", [.text(key)]) { row in
                found = true
                size = UInt64(row.integer(0))
                if !row.isNull(1) { inline = row.blob(1) }
            }
            guard found else { throw PluginError.notFound("no object \(key)") }
            let start = min(offset, size)
            let end = length == 0 ? size : min(size, start + length)
            if let inline { return Array(inline[Int(start)..<Int(end)]) }
            var out: [UInt8] = []
            out.reserveCapacity(Int(end - start))
            // Chunks overlapping [start, end): the last one starting at or before `start`, and
            // every one starting before `end`.
            try db.query("""
                SELECT offset, data FROM chunks WHERE key = ? AND offset < ? AND offset >= COALESCE(
                  (SELECT MAX(offset) FROM chunks WHERE key = ? AND offset <= ?), 0) ORDER BY offset
                """, [.text(key), .integer(Int64(end)), .text(key), .integer(Int64(start))]) { row in
                let chunkStart = UInt64(row.integer(0))
                let data = row.blob(1)
                let from = Int(max(start, chunkStart) - chunkStart)
                let to = Int(min(end, chunkStart + UInt64(data.count)) - chunkStart)
                if from < to { out.append(contentsOf: data[from..<to]) }
            }
            return out
        }
    }

    func size(_ key: String) throws -> UInt64 {
        try read { db in
            var size: UInt64?
            try db.query("SELECT size FROM objects WHERE key = ?", [.text(key)]) { size = UInt64($0.integer(0)) }
            guard let size else { throw PluginError.notFound("no object \(key)") }
            return size
        }
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        try read { db in
            var sql = "SELECT key FROM objects WHERE key >= ?"
            var bindings: [SQLiteValue] = [.text(prefix)]
            if let upper = Self.prefixUpperBound(prefix) {
                sql += " AND key < ?"
                bindings.append(.text(upper))
            }
            if let marker {
                sql += descending ? " AND key < ?" : " AND key > ?"
                bindings.append(.text(marker))
            }
            sql += descending ? " ORDER BY key DESC" : " ORDER BY key ASC"
            if limit > 0 {
                sql += " LIMIT ?"
                bindings.append(.integer(Int64(limit)))
            }
            var keys: [String] = []
            try db.query(sql, bindings) { keys.append($0.text(0) ?? "") }
            return keys
        }
    }

    /// The smallest string greater than every string starting with `prefix` (keys are
    /// ASCII, so bumping the last byte works).
    static func prefixUpperBound(_ prefix: String) -> String? {
        var bytes = Array(prefix.utf8)
        while let last = bytes.popLast() {
            if last < 0x7F { return String(decoding: bytes + [last + 1], as: UTF8.self) }
        }
        return nil
    }

    func delete(_ key: String) throws {
        try writes.perform { db in
            try db.query("DELETE FROM chunks WHERE key = ?", [.text(key)])
            try db.query("DELETE FROM objects WHERE key = ?", [.text(key)])
        }
    }

    func lease(_ name: String, owner: String, ttl: UInt32, renew: Bool) throws {
        try writes.perform { db in
            var holder: LeaseInfo?
            try db.query("SELECT owner, expires_at FROM leases WHERE name = ?", [.text(name)]) { row in
                holder = LeaseInfo(owner: row.text(0) ?? "", expiresAt: row.real(1))
            }
            let granted = try LeaseInfo.granting(name, held: holder, to: owner, ttl: ttl, renew: renew)
            try db.query("INSERT OR REPLACE INTO leases (name, owner, expires_at) VALUES (?, ?, ?)",
                         [.text(name), .text(owner), .real(granted.expiresAt)])
        }
    }

    func checkLease(_ name: String) throws -> LeaseInfo? {
        try read { db in
            var info: LeaseInfo?
            try db.query("SELECT owner, expires_at FROM leases WHERE name = ?", [.text(name)]) { row in
                info = LeaseInfo(owner: row.text(0) ?? "", expiresAt: row.real(1))
            }
            return info
        }
    }

    func releaseLease(_ name: String, owner: String) throws {
        try writes.perform { db in
            try db.query("DELETE FROM leases WHERE name = ? AND owner = ?", [.text(name), .text(owner)])
        }
    }
}

/// Writes an object in pieces: pieces are gathered in memory up to the chunk size and
/// stored in an uploads table; commit moves them to the object in one transaction.
final class SQLiteObjectWriter: BankObjectWriter, @unchecked Sendable {
    let store: SQLiteStore
    let key: String
    let upload: String
    var buffer: [UInt8] = []
    var written: Int64 = 0
    var stored = false

    init(store: SQLiteStore, key: String) {
        self.store = store
        self.key = key
        var random = SystemRandomNumberGenerator()
        upload = key + "#" + String(random.next(), radix: 36)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        while buffer.count >= SQLiteStore.chunkSize { try flush(SQLiteStore.chunkSize) }
    }

    private func flush(_ count: Int) throws {
        let piece = Array(buffer.prefix(count))
        buffer.removeFirst(piece.count)
        let (upload, offset) = (self.upload, written)
        try store.writes.perform { db in
            try db.query("INSERT INTO uploads (upload, offset, data, created_at) VALUES (?, ?, ?, ?)",
                         [.text(upload), .integer(offset), .blob(piece), .real(currentUnixTime())])
        }
        written += Int64(piece.count)
        stored = true
    }

    func commit() throws {
        let (key, upload) = (self.key, self.upload)
        if !stored {
            // Everything fits one chunk: store it inline like a put.
            let piece = buffer
            buffer = []
            try store.writes.perform { db in
                try db.query("DELETE FROM chunks WHERE key = ?", [.text(key)])
                try db.query("INSERT OR REPLACE INTO objects (key, size, data, updated_at) VALUES (?, ?, ?, ?)",
                             [.text(key), .integer(Int64(piece.count)), .blob(piece), .real(currentUnixTime())])
            }
            return
        }
        if !buffer.isEmpty { try flush(buffer.count) }
        let size = written
        try store.writes.perform { db in
            try db.query("DELETE FROM chunks WHERE key = ?", [.text(key)])
            try db.query("INSERT INTO chunks (key, offset, data) SELECT ?, offset, data FROM uploads WHERE upload = ?",
                         [.text(key), .text(upload)])
            try db.query("DELETE FROM uploads WHERE upload = ?", [.text(upload)])
            try db.query("INSERT OR REPLACE INTO objects (key, size, data, updated_at) VALUES (?, ?, NULL, ?)",
                         [.text(key), .integer(size), .real(currentUnixTime())])
        }
    }

    func abort() {
        buffer = []
        guard stored else { return }
        let upload = self.upload
        try? store.writes.perform { db in try db.query("DELETE FROM uploads WHERE upload = ?", [.text(upload)]) }
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-sqlite-bank", version: "1.0.0", banks: [SQLiteBank.self]).export(call, host, out)
}
