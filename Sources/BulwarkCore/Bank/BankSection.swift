import CBulwarkPlugin

/// The part of a bank one resource's hooks see: everything under a prefix
/// (`/checkpoints/<id>/resource-data/<resource id>/`), read-only during restore and verify.
///
/// The host keeps the resource's status objects in the same folder, as Karbor does
/// (`status`, `delete-status`): they are the host's, so a plugin can neither write nor
/// delete them, and its listings do not show them.
public struct BankSection: BankSectionService {
    /// The section's keys that belong to the host.
    public static let hostKeys: Set<String> = ["status", "delete-status"]

    public let bank: Bank
    public let prefix: String
    public let readOnly: Bool

    public init(bank: Bank, prefix: String, readOnly: Bool) {
        self.bank = bank
        self.prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        self.readOnly = readOnly
    }

    private func absolute(_ key: String) throws(PluginCallError) -> String {
        do { return try BankKey.join(prefix, key) } catch {
            throw PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: error.description)
        }
    }

    private func writable() throws(PluginCallError) {
        if readOnly {
            throw PluginCallError(plugin: "host", status: BULWARK_UNSUPPORTED, message: "the bank section is read-only during restore and verify")
        }
    }

    /// The absolute key of `key`, refused when it is one of the host's.
    private func pluginWritable(_ key: String) throws(PluginCallError) -> String {
        try writable()
        let k = try absolute(key)
        if Self.hostKeys.contains(String(k.dropFirst(prefix.count + 1))) {
            throw PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT,
                                  message: "\(k.dropFirst(prefix.count + 1)) is the host's record of this resource's status; a plugin cannot write or delete it (use another key)")
        }
        return k
    }

    private func mapped<R>(_ body: () throws(Bank.Failure) -> R) throws(PluginCallError) -> R {
        do { return try body() } catch {
            switch error {
            case .plugin(let e): throw e
            case .key(let e): throw PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: e.description)
            case .corrupt(let m): throw PluginCallError(plugin: "host", status: BULWARK_ERROR, message: m)
            }
        }
    }

    public func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws(PluginCallError) {
        let k = try pluginWritable(key)
        try mapped { () throws(Bank.Failure) in try bank.put(k, bytes) }
    }

    public func openWriter(_ key: String, size: UInt64?) throws(PluginCallError) -> any SectionWriter {
        let k = try pluginWritable(key)
        return SectionObjectWriter(writer: try mapped { () throws(Bank.Failure) in try bank.openWriter(k, size: size) })
    }

    public func get(_ key: String, offset: UInt64, length: UInt64) throws(PluginCallError) -> [UInt8]? {
        let k = try absolute(key)
        return try mapped { () throws(Bank.Failure) in try bank.get(k, offset: offset, length: length) }
    }

    /// Keys relative to the section, without the host's (a page asks the bank for as many
    /// more as there are host keys, so a full page stays full).
    public func list(prefix relative: String, marker: String?, limit: Int, descending: Bool) throws(PluginCallError) -> [String] {
        let base = prefix + "/"
        let p = relative.isEmpty ? base : base + relative
        let m = try marker.map { (m: String) throws(PluginCallError) -> String in try absolute(m) }
        let asked = limit > 0 ? limit + Self.hostKeys.count : limit
        let keys = try mapped { () throws(Bank.Failure) in try bank.list(prefix: p, marker: m, limit: asked, descending: descending) }
        let visible = keys.lazy.map { String($0.dropFirst(base.count)) }.filter { !Self.hostKeys.contains($0) }
        return limit > 0 ? Array(visible.prefix(limit)) : Array(visible)
    }

    public func delete(_ key: String) throws(PluginCallError) {
        let k = try pluginWritable(key)
        try mapped { () throws(Bank.Failure) in try bank.delete(k) }
    }
}

/// A section writer: pieces stream to the bank plugin's own writer.
final class SectionObjectWriter: SectionWriter {
    let writer: BankInstance.Writer

    init(writer: BankInstance.Writer) { self.writer = writer }

    func append(_ bytes: UnsafeRawBufferPointer) throws(PluginCallError) { try writer.append(bytes) }
    func commit() throws(PluginCallError) { try writer.commit() }
    func abort() { writer.abort() }
}
