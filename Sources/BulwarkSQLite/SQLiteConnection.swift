import CSQLite

/// One SQLite connection. Not thread-safe: use it from one thread at a time (the callers
/// keep connections in pools or behind locks). It may move between threads, hence
/// `@unchecked Sendable`, but never be used by two at once.
public final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    public let path: String

    /// Open (creating) the database at `path` in WAL mode with full synchronous commits:
    /// a transaction that returns is on disk. `incrementalVacuum` makes a new database
    /// give freed pages back to the file system on `PRAGMA incremental_vacuum` (it must be
    /// chosen before anything, even the journal mode, is written; an existing database
    /// keeps its mode).
    public init(path: String, busyTimeoutMilliseconds: Int32 = 30_000, incrementalVacuum: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, context: "opening \(path)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if incrementalVacuum { try execute("PRAGMA auto_vacuum=INCREMENTAL") }
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA cache_size=-65536")
    }

    deinit {
        for (_, statement) in statements { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    /// Run SQL without results (several statements allowed).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, context: sql)
        }
    }

    /// A cached prepared statement for `sql`, reset and with bindings cleared.
    func statement(_ sql: String) throws(SQLiteError) -> OpaquePointer {
        if let s = statements[sql] {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
            return s
        }
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else { throw error(rc, sql) }
        statements[sql] = s
        return s
    }

    /// Run one statement with `bindings`, calling `row` for each result row.
    public func query(_ sql: String, _ bindings: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void = { _ in }) throws {
        let s = try statement(sql)
        defer { sqlite3_reset(s) }
        for (i, value) in bindings.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(s, index)
            case .integer(let v): rc = sqlite3_bind_int64(s, index, v)
            case .real(let v): rc = sqlite3_bind_double(s, index, v)
            case .text(let v): rc = sqlite3_bind_text(s, index, v, -1, CSQLite_transient())
            case .blob(let bytes):
                rc = bytes.withUnsafeBytes { b in
                    sqlite3_bind_blob64(s, index, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(b.count), CSQLite_transient())
                }
            }
            guard rc == SQLITE_OK else { throw error(rc, sql) }
        }
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            try row(SQLiteRow(statement: s))
        }
    }

    /// Bind a blob from raw memory without copying it into an array first.
    public func execute(_ sql: String, text: String, blob: UnsafeRawBufferPointer, integer: Int64) throws(SQLiteError) {
        let s = try statement(sql)
        defer { sqlite3_reset(s) }
        var rc = sqlite3_bind_text(s, 1, text, -1, CSQLite_transient())
        if rc == SQLITE_OK {
            rc = sqlite3_bind_blob64(s, 2, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(blob.count), CSQLite_transient())
        }
        if rc == SQLITE_OK { rc = sqlite3_bind_int64(s, 3, integer) }
        guard rc == SQLITE_OK else { throw error(rc, sql) }
        let step = sqlite3_step(s)
        guard step == SQLITE_DONE else { throw error(step, sql) }
    }

    /// Run `body` in a transaction (BEGIN IMMEDIATE, so the write lock is taken at once),
    /// committing when it returns and rolling back when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}

public enum SQLiteValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// The current row of a statement, valid only inside the row callback.
public struct SQLiteRow {
    let statement: OpaquePointer

    public func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: p)
    }

    public func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    public func real(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let p = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }
}
