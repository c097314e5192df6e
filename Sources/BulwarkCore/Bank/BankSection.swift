import CBulwarkPlugin

/// The part of a bank one resource's hooks see: everything under a prefix
/// (`/checkpoints/<id>/resource-data/<resource id>/`), read-only during restore and verify.
public struct BankSection: BankSectionService {
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
        try writable()
        let k = try absolute(key)
        try mapped { () throws(Bank.Failure) in try bank.put(k, bytes) }
    }

    public func openWriter(_ key: String, size: UInt64?) throws(PluginCallError) -> any SectionWriter {
        try writable()
        let k = try absolute(key)
        return SectionObjectWriter(writer: try mapped { () throws(Bank.Failure) in try bank.openWriter(k, size: size) })
    }

    public func get(_ key: String, offset: UInt64, length: UInt64) throws(PluginCallError) -> [UInt8]? {
        let k = try absolute(key)
        return try mapped { () throws(Bank.Failure) in try bank.get(k, offset: offset, length: length) }
    }

    /// Keys relative to the section.
    public func list(prefix relative: String, marker: String?, limit: Int, descending: Bool) throws(PluginCallError) -> [String] {
        let base = prefix + "/"
        let p = relative.isEmpty ? base : base + relative
        let m = try marker.map { (m: String) throws(PluginCallError) -> String in try absolute(m) }
        let keys = try mapped { () throws(Bank.Failure) in try bank.list(prefix: p, marker: m, limit: limit, descending: descending) }
        return keys.map { String($0.dropFirst(base.count)) }
    }

    public func delete(_ key: String) throws(PluginCallError) {
        try writable()
        let k = try absolute(key)
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
