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
    /// A writer for an object of exactly `size` bytes (the host checks the count before
    /// commit). The default is `openWriter(key)`; a bank that can send a known length in
    /// one request implements it.
    func openWriter(_ key: String, size: UInt64) throws -> any BankObjectWriter
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
    public func openWriter(_ key: String, size: UInt64) throws -> any BankObjectWriter { try openWriter(key) }
}

extension LeaseInfo {
    /// The lease `owner` holds after taking (or, with `renew`, renewing) the lease `name`,
    /// now held as `current` — the rule every bank follows, as the ABI states it: another
    /// owner's unexpired lease is a conflict; an expired one is taken over, but cannot be
    /// renewed by its old owner; renewing a lease that does not exist is not-found.
    public static func granting(_ name: String, held current: LeaseInfo?, to owner: String, ttl: UInt32, renew: Bool,
                                now: Double = currentUnixTime()) throws(PluginError) -> LeaseInfo {
        if let current, current.owner != owner, current.expiresAt > now || renew {
            throw .conflict(renew ? "lease \(name) was taken over by \(current.owner)"
                                  : "lease \(name) is held by \(current.owner) until \(current.expiresAt)")
        }
        if current == nil, renew { throw .notFound("no lease \(name) to renew") }
        return LeaseInfo(owner: owner, expiresAt: now + Double(ttl))
    }

    /// The lease as banks that keep it as an object store it: `{"owner", "expires_at"}`.
    public var json: JSON {
        .object(JSONObject([("owner", .string(owner)), ("expires_at", .number(JSONNumber(expiresAt)))]))
    }

    /// Read a lease object; nil when it is not one.
    public init?(json: JSON) {
        guard let owner = json["owner"]?.stringValue, let expires = json["expires_at"]?.numberValue?.doubleValue else { return nil }
        self.init(owner: owner, expiresAt: expires)
    }
}
