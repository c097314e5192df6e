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
            "abandoned_upload_seconds": [
                "type": "number", "minimum": 0,
                "description": "An upload whose process is gone is reclaimed once untouched this long (default 60).",
            ],
        ],
        "required": ["path"],
        "additionalProperties": false,
    ]

    let store: SQLiteStore

    init(configuration: JSON, context: borrowing PluginContext) throws {
        guard let path = configuration["path"]?.stringValue else { throw PluginError.invalidArgument("option \"path\" is required") }
        let timeout = Int32(configuration["busy_timeout_ms"]?.numberValue?.intValue ?? 30_000)
        let abandoned = configuration["abandoned_upload_seconds"]?.numberValue?.doubleValue ?? 60
        store = try SQLiteStore(path: path, busyTimeout: timeout, abandonedAfter: abandoned)
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
    /// This process, as the owner of the uploads it starts (see ``ProcessIdentity``).
    let identity = ProcessIdentity.current
    /// Objects larger than this are stored as chunks of this size.
    static let chunkSize = 4 << 20
    /// An upload whose process is gone is reclaimed once it has not been touched for this
    /// long (a live writer touches it with every chunk); one untouched for a day is
    /// reclaimed whoever holds it.
    let abandonedAfter: Double
    static let staleAfter: Double = 86_400

    init(path: String, busyTimeout: Int32, abandonedAfter: Double = 60) throws {
        self.path = path
        self.abandonedAfter = abandonedAfter
        self.busyTimeout = busyTimeout
        // On a new bank, the pages freed by deletes are given back to the file system (see
        // `compact`). A bank created before this keeps its mode and reuses its free pages.
        let writer = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeout, incrementalVacuum: true)
        // A WAL file is truncated to this after each checkpoint, so it never keeps the
        // size of the largest burst of chunks.
        try writer.execute("PRAGMA journal_size_limit=67108864")
        // `chunks.key` names a blob: the object's own key for chunked objects written
        // before blobs had names of their own (`objects.blob` NULL), else `objects.blob`.
        // A blob is filled chunk by chunk, each chunk its own small transaction, while its
        // upload is `pending`; committing it is one small transaction that points the
        // object at it. Blobs no object points at any more are `garbage`, freed a chunk
        // at a time. So no transaction is ever larger than a chunk or two, and no write
        // holds the database's write lock for an object's whole length.
        // In one transaction: processes opening a new bank at once must not both add a column.
        try writer.execute("BEGIN IMMEDIATE")
        try writer.execute("""
            CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB, updated_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS chunks (key TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, offset));
            CREATE TABLE IF NOT EXISTS uploads (upload TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (upload, offset));
            CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS pending (blob TEXT PRIMARY KEY, key TEXT NOT NULL, owner TEXT NOT NULL, touched_at REAL NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS garbage (blob TEXT PRIMARY KEY) WITHOUT ROWID;
            """)
        var hasBlob = false
        try writer.query("SELECT 1 FROM pragma_table_info('objects') WHERE name = 'blob'") { _ in hasBlob = true }
        if !hasBlob { try writer.execute("ALTER TABLE objects ADD COLUMN blob TEXT") }
        try writer.execute("COMMIT")
        // Pieces left by a version that staged uploads in their own table, more than a day ago.
        try writer.query("DELETE FROM uploads WHERE created_at < ?", [.real(currentUnixTime() - Self.staleAfter)])
        writes = GroupCommit(connection: writer)
        try reclaimAbandonedUploads()
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
            var freed = false
            try writes.perform { db in
                freed = try Self.unlink(key, db)
                try db.query("INSERT OR REPLACE INTO objects (key, size, data, updated_at, blob) VALUES (?, ?, ?, ?, NULL)",
                             [.text(key), .integer(Int64(copy.count)), .blob(copy), .real(currentUnixTime())])
            }
            if freed { try collectGarbage() }
        } else {
            let writer = SQLiteObjectWriter(store: self, key: key)
            try writer.append(bytes)
            try writer.commit()
        }
    }

    /// Detach `key`'s chunked content, if it has any, and queue its blob for freeing.
    /// Returns whether there is garbage to collect. Runs inside a write transaction.
    static func unlink(_ key: String, _ db: SQLiteConnection) throws -> Bool {
        var blob: String?
        try db.query("SELECT COALESCE(blob, key) FROM objects WHERE key = ? AND data IS NULL", [.text(key)]) { blob = $0.text(0) }
        guard let blob else { return false }
        try db.query("INSERT OR IGNORE INTO garbage (blob) VALUES (?)", [.text(blob)])
        return true
    }

    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        try read { db in
            var found = false
            var size: UInt64 = 0
            var inline: [UInt8]?
            var blob = key
            try db.query("SELECT size, data, blob FROM objects WHERE key = ?", [.text(key)]) { row in
                found = true
                size = UInt64(row.integer(0))
                if !row.isNull(1) { inline = row.blob(1) }
                if let b = row.text(2) { blob = b }
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
                """, [.text(blob), .integer(Int64(end)), .text(blob), .integer(Int64(start))]) { row in
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
        var freed = false
        try writes.perform { db in
            freed = try Self.unlink(key, db)
            try db.query("DELETE FROM objects WHERE key = ?", [.text(key)])
        }
        if freed { try collectGarbage() }
    }

    // MARK: Blobs, uploads and space

    /// Start an upload: its blob is pending, owned by this process, until committed or aborted.
    func begin(_ blob: String, key: String) throws {
        let owner = identity.text
        try writes.perform { db in
            try db.query("INSERT INTO pending (blob, key, owner, touched_at) VALUES (?, ?, ?, ?)",
                         [.text(blob), .text(key), .text(owner), .real(currentUnixTime())])
        }
    }

    /// Store one chunk of a pending blob, in a transaction of its own.
    func storeChunk(_ blob: String, offset: Int64, _ piece: [UInt8]) throws {
        try writes.perform { db in
            try self.touch(blob, db)
            try db.query("INSERT INTO chunks (key, offset, data) VALUES (?, ?, ?)", [.text(blob), .integer(offset), .blob(piece)])
        }
    }

    /// Fails when the upload was reclaimed as abandoned, so that no object ever points at
    /// a blob being freed.
    private func touch(_ blob: String, _ db: SQLiteConnection) throws {
        try db.query("UPDATE pending SET touched_at = ? WHERE blob = ?", [.real(currentUnixTime()), .text(blob)])
        guard db.changes == 1 else {
            throw PluginError.failed("the upload was reclaimed as abandoned (untouched for \(Int(abandonedAfter)) s by a process that seemed gone); write the object again")
        }
    }

    /// Make `blob` the content of `key`: one small transaction, whatever the object's size.
    func commit(_ blob: String, key: String, size: Int64, last: (offset: Int64, piece: [UInt8])?) throws {
        var freed = false
        try writes.perform { db in
            try self.touch(blob, db)
            if let last { try db.query("INSERT INTO chunks (key, offset, data) VALUES (?, ?, ?)", [.text(blob), .integer(last.offset), .blob(last.piece)]) }
            freed = try Self.unlink(key, db)
            try db.query("DELETE FROM pending WHERE blob = ?", [.text(blob)])
            try db.query("INSERT OR REPLACE INTO objects (key, size, data, updated_at, blob) VALUES (?, ?, NULL, ?, ?)",
                         [.text(key), .integer(size), .real(currentUnixTime()), .text(blob)])
        }
        if freed { try collectGarbage() }
    }

    /// Give up an upload: its chunks become garbage.
    func abort(_ blob: String) throws {
        try writes.perform { db in
            try db.query("DELETE FROM pending WHERE blob = ?", [.text(blob)])
            try db.query("INSERT OR IGNORE INTO garbage (blob) VALUES (?)", [.text(blob)])
        }
        try collectGarbage()
    }

    /// Turn uploads whose process is gone (killed, or the machine restarted) into garbage
    /// and free it. Runs when the bank opens, which is when the engine recovers the runs
    /// such a process left.
    func reclaimAbandonedUploads() throws {
        var abandoned: [String] = []
        let now = currentUnixTime()
        try read { db in
            try db.query("SELECT blob, owner, touched_at FROM pending") { row in
                let touched = row.real(2)
                let owner = ProcessIdentity(text: row.text(1) ?? "")
                let gone = owner.map { !$0.isAlive } ?? true
                if now - touched > Self.staleAfter || (gone && now - touched > abandonedAfter) {
                    abandoned.append(row.text(0) ?? "")
                }
            }
        }
        for blob in abandoned {
            try writes.perform { db in
                try db.query("DELETE FROM pending WHERE blob = ?", [.text(blob)])
                try db.query("INSERT OR IGNORE INTO garbage (blob) VALUES (?)", [.text(blob)])
            }
        }
        try collectGarbage()
    }

    /// Free every garbage blob, a few chunks per transaction so other writers interleave,
    /// then give the freed pages back to the file system.
    func collectGarbage() throws {
        while true {
            var blob: String?
            try read { db in try db.query("SELECT blob FROM garbage LIMIT 1") { blob = $0.text(0) } }
            guard let blob else { break }
            var left = true
            try writes.perform { db in
                try db.query("DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks WHERE key = ? LIMIT 4)", [.text(blob)])
                left = db.changes > 0
                if !left { try db.query("DELETE FROM garbage WHERE blob = ?", [.text(blob)]) }
            }
            if !left { continue }
        }
        try compact()
    }

    /// Return free pages to the file system in steps of 32 MiB (incremental vacuum), on
    /// banks created with it; elsewhere SQLite reuses them for later writes.
    func compact() throws {
        var vacuumed = false
        while true {
            var free: Int64 = 0
            var mode: Int64 = 0
            try read { db in
                try db.query("PRAGMA auto_vacuum") { mode = $0.integer(0) }
                try db.query("PRAGMA freelist_count") { free = $0.integer(0) }
            }
            guard mode == 2, free > 0 else { break }
            try writes.perform { db in try db.query("PRAGMA incremental_vacuum(8192)") { _ in } }
            vacuumed = true
        }
        // The file shrinks when the WAL is copied back into it; do that now rather than
        // at some later checkpoint (a busy reader only makes it partial).
        if vacuumed { try read { db in try db.query("PRAGMA wal_checkpoint(TRUNCATE)") { _ in } } }
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

/// Writes an object in pieces: pieces are gathered in memory up to the chunk size, each
/// full chunk is stored at once under the upload's own blob name, and commit points the
/// object at the blob. Nothing is visible under the key until commit.
final class SQLiteObjectWriter: BankObjectWriter, @unchecked Sendable {
    let store: SQLiteStore
    let key: String
    /// Not a valid bank key (keys never hold "#"), so it can never name an object's own chunks.
    let blob: String
    var buffer: [UInt8] = []
    var written: Int64 = 0
    var started = false

    init(store: SQLiteStore, key: String) {
        self.store = store
        self.key = key
        var random = SystemRandomNumberGenerator()
        blob = key + "#" + String(random.next(), radix: 36)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        while buffer.count >= SQLiteStore.chunkSize {
            if !started {
                try store.begin(blob, key: key)
                started = true
            }
            let piece = Array(buffer.prefix(SQLiteStore.chunkSize))
            buffer.removeFirst(piece.count)
            try store.storeChunk(blob, offset: written, piece)
            written += Int64(piece.count)
        }
    }

    func commit() throws {
        if !started {
            // Everything fits one chunk: store it inline like a put.
            let piece = buffer
            buffer = []
            try piece.withUnsafeBytes { try store.put(key, $0) }
            return
        }
        let last = buffer.isEmpty ? nil : (offset: written, piece: buffer)
        let size = written + Int64(buffer.count)
        buffer = []
        try store.commit(blob, key: key, size: size, last: last)
    }

    func abort() {
        buffer = []
        guard started else { return }
        try? store.abort(blob)
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-sqlite-bank", version: "1.0.0", banks: [SQLiteBank.self]).export(call, host, out)
}
