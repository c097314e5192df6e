/// Who holds a lease and until when.
public struct LeaseInfo: Sendable, Equatable {
    public var owner: String
    /// Unix time, seconds.
    public var expiresAt: Double

    public init(owner: String, expiresAt: Double) {
        self.owner = owner
        self.expiresAt = expiresAt
    }
}

/// An object being written in pieces; it becomes visible only on `commit`.
public protocol BankObjectWriter: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func commit() throws
    func abort()
}

/// A bank plugin: a durable key/value store of objects with leases.
///
/// Keys arrive validated and normalised (`/a/b`, no `.`/`..` parts). Every method may be
/// called from several threads at once. Throw `PluginError.notFound` for a missing
/// object or lease and `PluginError.conflict` for a lease held by someone else.
public protocol BankPlugin: Sendable {
    static var name: String { get }
    static var aliases: [String] { get }
    static var configSchema: JSON? { get }

    init(configuration: JSON, context: borrowing PluginContext) throws
    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws
    func openWriter(_ key: String) throws -> any BankObjectWriter
    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8]
    func size(_ key: String) throws -> UInt64
    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String]
    func delete(_ key: String) throws
    func acquireLease(_ name: String, owner: String, ttl: UInt32) throws
    func renewLease(_ name: String, owner: String, ttl: UInt32) throws
    func checkLease(_ name: String) throws -> LeaseInfo?
    func releaseLease(_ name: String, owner: String) throws
}

extension BankPlugin {
    public static var aliases: [String] { [] }
    public static var configSchema: JSON? { nil }
}
