import BulwarkJSON
import CBulwarkPlugin
import Synchronization

/// A run's cancellation flag, shared by every call made for that run. A flag with a
/// parent is also cancelled when the parent is: one hook's own flag (its timeout) under
/// its run's.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    private let parent: CancellationFlag?
    public init(parent: CancellationFlag? = nil) { self.parent = parent }
    public func cancel() { flag.store(true, ordering: .releasing) }
    public var isCancelled: Bool { flag.load(ordering: .acquiring) || parent?.isCancelled == true }
}

/// What the host does with a plugin's log lines and progress reports.
public protocol PluginEventSink: Sendable {
    func log(plugin: String, level: PluginLogLevel, message: String)
    func progress(plugin: String, fraction: Double, message: String?)
}

public enum PluginLogLevel: Int32, Sendable, Comparable {
    case debug = 0, info, warning, error
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The bank section a hook sees (implemented by the engine).
public protocol BankSectionService: Sendable {
    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws(PluginCallError)
    /// `size`: the object's exact length when the plugin declared it, else nil.
    func openWriter(_ key: String, size: UInt64?) throws(PluginCallError) -> any SectionWriter
    func get(_ key: String, offset: UInt64, length: UInt64) throws(PluginCallError) -> [UInt8]?
    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws(PluginCallError) -> [String]
    func delete(_ key: String) throws(PluginCallError)
}

public protocol SectionWriter: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws(PluginCallError)
    func commit() throws(PluginCallError)
    func abort()
}

/// The restore's map of original resource id to new id.
public protocol NewResourcesService: Sendable {
    func set(_ oldID: String, _ newID: String)
    func get(_ oldID: String) -> String?
}

/// One invocation of a plugin entry point: collects the result bytes and error message the
/// plugin reports, and routes its service calls (bank, map, log, progress, cancellation).
///
/// The `bulwark_call *` handed to the plugin is this object's address; it is valid only
/// while `withCall` runs, as the ABI says. The header promises that every host service is
/// thread-safe for as long as the call is valid, so a plugin may use several threads in
/// one hook: the result, the error and the open writers are kept behind one lock, and
/// each writer serialises its own appends and commit.
final class PluginCall: Sendable {
    let pluginName: String
    let cancellation: CancellationFlag?
    let events: (any PluginEventSink)?
    let bank: (any BankSectionService)?
    let newResources: (any NewResourcesService)?
    /// Set once the host gave up on this call (a hook past its timeout and grace): from
    /// then on its services refuse, so a thread left running in the plugin cannot write
    /// into a run that has ended.
    let revoked: CancellationFlag?

    private struct State {
        var result: [UInt8] = []
        var errorMessage: String?
        /// Open writers, by handle (its address), so a plugin cannot use a writer of
        /// another call.
        var writers: [UInt: LockedWriter] = [:]
    }
    private let state = Mutex(State())

    init(pluginName: String, cancellation: CancellationFlag? = nil, events: (any PluginEventSink)? = nil,
         bank: (any BankSectionService)? = nil, newResources: (any NewResourcesService)? = nil, revoked: CancellationFlag? = nil) {
        self.pluginName = pluginName
        self.revoked = revoked
        self.cancellation = cancellation
        self.events = events
        self.bank = bank
        self.newResources = newResources
    }

    /// True once the host abandoned the call; the refusal is the call's error message.
    func refusedAsAbandoned() -> Bool {
        guard revoked?.isCancelled == true else { return false }
        errorMessage = "the host abandoned this hook after its timeout and grace period; its services are closed"
        return true
    }

    /// The bytes the plugin appended as its result.
    var result: [UInt8] { state.withLock { $0.result } }

    /// The plugin's last `set_error` message (or the host's, for a refused service).
    var errorMessage: String? {
        get { state.withLock { $0.errorMessage } }
        set { state.withLock { $0.errorMessage = newValue } }
    }

    func appendResult(_ bytes: UnsafeBufferPointer<UInt8>) {
        state.withLock { $0.result.append(contentsOf: bytes) }
    }

    /// Keep `writer` under a handle of its own for this call.
    func addWriter(_ writer: any SectionWriter) -> UnsafeMutableRawPointer {
        let locked = LockedWriter(writer)
        let handle = UnsafeMutableRawPointer(Unmanaged.passUnretained(locked).toOpaque())
        state.withLock { $0.writers[UInt(bitPattern: handle)] = locked }
        return handle
    }

    func writer(_ handle: UnsafeMutableRawPointer) -> LockedWriter? {
        state.withLock { $0.writers[UInt(bitPattern: handle)] }
    }

    /// Take the writer out of the call (commit and abort end it).
    func removeWriter(_ handle: UnsafeMutableRawPointer) -> LockedWriter? {
        state.withLock { $0.writers.removeValue(forKey: UInt(bitPattern: handle)) }
    }

    /// Call `body` with this call's handle; any writer the plugin left open is aborted.
    func withCall<R>(_ body: (OpaquePointer) -> R) -> R {
        let handle = OpaquePointer(Unmanaged.passUnretained(self).toOpaque())
        let r = withExtendedLifetime(self) { body(handle) }
        let left = state.withLock { s in
            defer { s.writers.removeAll() }
            return Array(s.writers.values)
        }
        for writer in left { writer.abort() }
        return r
    }

    static func from(_ handle: OpaquePointer?) -> PluginCall? {
        guard let handle else { return nil }
        return Unmanaged<PluginCall>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    /// The result as JSON; throws naming the plugin when it is not JSON.
    func resultJSON(_ what: String) throws(PluginCallError) -> JSON {
        do {
            return try JSON.parse(bytes: result)
        } catch {
            throw PluginCallError(plugin: pluginName, status: BULWARK_ERROR, message: "\(what) returned invalid JSON: \(error)")
        }
    }

    /// Throw unless `status` is BULWARK_OK, with the plugin's own message.
    func check(_ status: bulwark_status, _ what: String) throws(PluginCallError) {
        guard status != BULWARK_OK else { return }
        let message = errorMessage ?? "\(what) failed with status \(PluginCallError.statusName(status)) and no message"
        throw PluginCallError(plugin: pluginName, status: status, message: message)
    }
}

/// A section writer used through one lock: two threads of a plugin appending to the same
/// writer at once are serialised, not interleaved inside the bank's writer. Once ended
/// (committed or aborted) it refuses further use instead of touching a finished writer.
final class LockedWriter: @unchecked Sendable {
    private let lock = Mutex(())
    private var writer: (any SectionWriter)?

    init(_ writer: any SectionWriter) { self.writer = writer }

    private func ended() -> PluginCallError {
        PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: "the writer was already committed or aborted")
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws(PluginCallError) {
        try lock.withLock { _ throws(PluginCallError) in
            guard let writer else { throw ended() }
            try writer.append(bytes)
        }
    }

    func commit() throws(PluginCallError) {
        try lock.withLock { _ throws(PluginCallError) in
            guard let writer else { throw ended() }
            self.writer = nil
            try writer.commit()
        }
    }

    func abort() {
        lock.withLock { _ in
            writer?.abort()
            writer = nil
        }
    }
}

/// A plugin entry point reported a failure.
public struct PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var plugin: String
    public var status: Int32
    public var message: String

    public init(plugin: String, status: Int32, message: String) {
        self.plugin = plugin
        self.status = status
        self.message = message
    }

    public var isNotFound: Bool { status == BULWARK_NOT_FOUND }
    public var description: String { "\(plugin): \(message)" }

    static func statusName(_ status: Int32) -> String {
        switch status {
        case BULWARK_OK: "OK"
        case BULWARK_ERROR: "ERROR"
        case BULWARK_NOT_FOUND: "NOT_FOUND"
        case BULWARK_INVALID_ARGUMENT: "INVALID_ARGUMENT"
        case BULWARK_CANCELLED: "CANCELLED"
        case BULWARK_UNSUPPORTED: "UNSUPPORTED"
        case BULWARK_CONFLICT: "CONFLICT"
        default: "\(status)"
        }
    }
}
