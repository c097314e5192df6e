/// A failed SQLite call: the result code, SQLite's own message, and what was being done.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    /// The SQL (never its bound values, which may hold secrets) or the operation.
    public var context: String

    public var description: String { "SQLite error \(code) (\(message)) in \(context)" }

    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock past the timeout.
    public var isBusy: Bool { code & 0xFF == 5 || code & 0xFF == 6 }
    /// SQLITE_CONSTRAINT.
    public var isConstraint: Bool { code & 0xFF == 19 }
}
