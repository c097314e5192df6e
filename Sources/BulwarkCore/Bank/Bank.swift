import BulwarkJSON
import CBulwarkPlugin
import Dispatch
import Metrics

/// A bank: a bank plugin instance behind key checks. Every key is validated and
/// normalised (``BankKey``) before it reaches the plugin. Blocking: call from threads of
/// your own, never from the Swift concurrency pool. Safe from many threads at once.
public final class Bank: Sendable {
    public let instance: BankInstance
    public var pluginName: String { instance.entry.name }

    /// Call latency by kind of call (`bulwark_bank_call_duration`), for the service's
    /// metrics; no-ops unless a metrics system was bootstrapped before the bank opened.
    private let timers: [Timer]

    enum CallKind: Int, CaseIterable {
        case put, get, list, delete, write, lease
        var name: String { String(describing: self) }
    }

    public init(_ instance: BankInstance) {
        self.instance = instance
        timers = CallKind.allCases.map {
            Timer(label: "bulwark_bank_call_duration", dimensions: [("bank", instance.entry.name), ("call", $0.name)])
        }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case key(BankKey.Invalid)
        case plugin(PluginCallError)
        case corrupt(String)

        public var description: String {
            switch self {
            case .key(let e): e.description
            case .plugin(let e): e.description
            case .corrupt(let m): m
            }
        }
    }

    private func key(_ k: String) throws(Failure) -> String {
        do { return try BankKey.normalise(k) } catch { throw .key(error) }
    }

    private func call<R>(_ kind: CallKind, _ body: () throws(PluginCallError) -> R) throws(Failure) -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { timers[kind.rawValue].recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        do { return try body() } catch { throw .plugin(error) }
    }

    public func put(_ k: String, _ bytes: [UInt8]) throws(Failure) {
        let k = try key(k)
        try call(.put) { () throws(PluginCallError) in try instance.put(k, bytes) }
    }

    public func put(_ k: String, _ bytes: UnsafeRawBufferPointer) throws(Failure) {
        let k = try key(k)
        try call(.put) { () throws(PluginCallError) in try instance.put(k, bytes) }
    }

    public func putJSON(_ k: String, _ value: JSON) throws(Failure) {
        try put(k, value.serializedBytes())
    }

    public func get(_ k: String, offset: UInt64 = 0, length: UInt64 = 0) throws(Failure) -> [UInt8]? {
        let k = try key(k)
        return try call(.get) { () throws(PluginCallError) in try instance.get(k, offset: offset, length: length) }
    }

    public func getJSON(_ k: String) throws(Failure) -> JSON? {
        guard let bytes = try get(k) else { return nil }
        do { return try JSON.parse(bytes: bytes) } catch { throw .corrupt("bank object \(k) is not valid JSON: \(error)") }
    }

    public func size(_ k: String) throws(Failure) -> UInt64? {
        let k = try key(k)
        return try call(.get) { () throws(PluginCallError) in try instance.size(k) }
    }

    public func delete(_ k: String) throws(Failure) {
        let k = try key(k)
        try call(.delete) { () throws(PluginCallError) in try instance.delete(k) }
    }

    public func list(prefix: String, marker: String? = nil, limit: Int = 0, descending: Bool = false) throws(Failure) -> [String] {
        let p: String
        do { p = try BankKey.normalisePrefix(prefix) } catch { throw .key(error) }
        let m = try marker.map { (m: String) throws(Failure) -> String in try key(m) }
        return try call(.list) { () throws(PluginCallError) in try instance.list(prefix: p, marker: m, limit: limit, descending: descending) }
    }

    /// Every key under `prefix`, fetched in pages.
    public func listAll(prefix: String, pageSize: Int = 1000) throws(Failure) -> [String] {
        var all: [String] = []
        var marker: String?
        while true {
            let page = try list(prefix: prefix, marker: marker, limit: pageSize)
            all += page
            if page.count < pageSize { return all }
            marker = page.last
        }
    }

    /// Write an object in pieces; `size`, when known, is its exact length.
    public func write(_ k: String, size: UInt64? = nil,
                      _ body: (_ append: (UnsafeRawBufferPointer) throws(PluginCallError) -> Void) throws(PluginCallError) -> Void) throws(Failure) {
        let k = try key(k)
        try call(.write) { () throws(PluginCallError) in try instance.write(k, size: size, body) }
    }

    /// Open a piece-by-piece write of `k`; `size`, when known, is its exact length (a
    /// bank may then send it as one request).
    public func openWriter(_ k: String, size: UInt64? = nil) throws(Failure) -> BankInstance.Writer {
        let k = try key(k)
        return try call(.write) { () throws(PluginCallError) in try instance.openWriter(k, size: size) }
    }

    public func acquireLease(_ name: String, owner: String, ttl: UInt32) throws(Failure) {
        try call(.lease) { () throws(PluginCallError) in try instance.acquireLease(name, owner: owner, ttl: ttl) }
    }

    public func renewLease(_ name: String, owner: String, ttl: UInt32) throws(Failure) {
        try call(.lease) { () throws(PluginCallError) in try instance.renewLease(name, owner: owner, ttl: ttl) }
    }

    public func checkLease(_ name: String) throws(Failure) -> (owner: String, expiresAt: Double, valid: Bool)? {
        try call(.lease) { () throws(PluginCallError) in try instance.checkLease(name) }
    }

    public func releaseLease(_ name: String, owner: String) throws(Failure) {
        try call(.lease) { () throws(PluginCallError) in try instance.releaseLease(name, owner: owner) }
    }
}
