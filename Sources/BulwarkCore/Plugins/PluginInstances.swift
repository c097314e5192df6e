import BulwarkJSON
import CBulwarkPlugin

/// The services one call may use, beyond results and errors.
public struct CallServices: Sendable {
    public var cancellation: CancellationFlag?
    public var events: (any PluginEventSink)?
    public var bank: (any BankSectionService)?
    public var newResources: (any NewResourcesService)?
    /// Once cancelled, every service of the call refuses with BULWARK_CANCELLED (a hook
    /// the host abandoned after its timeout).
    public var revoked: CancellationFlag?

    public init(cancellation: CancellationFlag? = nil, events: (any PluginEventSink)? = nil,
                bank: (any BankSectionService)? = nil, newResources: (any NewResourcesService)? = nil,
                revoked: CancellationFlag? = nil) {
        self.cancellation = cancellation
        self.events = events
        self.bank = bank
        self.newResources = newResources
        self.revoked = revoked
    }

    func makeCall(_ plugin: String) -> PluginCall {
        PluginCall(pluginName: plugin, cancellation: cancellation, events: events, bank: bank, newResources: newResources,
                   revoked: revoked)
    }
}

/// Make a plugin instance through its `create`; shared by the three kinds.
private func createInstance(_ plugin: String, _ pluginData: UnsafeMutableRawPointer?, _ configuration: JSON, _ services: CallServices,
                            _ create: (OpaquePointer, UnsafeMutableRawPointer?, UnsafePointer<CChar>, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> bulwark_status)
    throws(PluginCallError) -> UnsafeMutableRawPointer? {
    let call = services.makeCall(plugin)
    var instance: UnsafeMutableRawPointer?
    let status = call.withCall { handle in
        configuration.serialized().withCString { create(handle, pluginData, $0, &instance) }
    }
    try call.check(status, "create")
    return instance
}

/// A protectable plugin made for one provider. Blocking: call from a thread of your own.
public final class ProtectableInstance: @unchecked Sendable {
    public let entry: ProtectableEntry
    let instance: UnsafeMutableRawPointer?
    var name: String { "\(entry.libraryName) (\(entry.resourceType))" }

    public init(_ entry: ProtectableEntry, configuration: JSON = .object(JSONObject()), services: CallServices = .init()) throws(PluginCallError) {
        self.entry = entry
        let t = entry.table.pointee
        instance = try createInstance("\(entry.libraryName) (\(entry.resourceType))", t.plugin_data, configuration, services) { t.create($0, $1, $2, $3) }
    }

    deinit { entry.table.pointee.destroy?(instance) }

    /// The resources of this type (a JSON array of resources).
    public func listResources(parameters: JSON = .object(JSONObject()), services: CallServices = .init()) throws(PluginCallError) -> [JSON] {
        try array(services, "list_resources") { h in parameters.serialized().withCString { entry.table.pointee.list_resources(h, instance, $0) } }
    }

    public func showResource(id: String, services: CallServices = .init()) throws(PluginCallError) -> JSON {
        let call = services.makeCall(name)
        let status = call.withCall { h in id.withCString { entry.table.pointee.show_resource(h, instance, $0) } }
        try call.check(status, "show_resource")
        return try call.resultJSON("show_resource")
    }

    public func dependentResources(of parent: JSON, services: CallServices = .init()) throws(PluginCallError) -> [JSON] {
        try array(services, "get_dependent_resources") { h in parent.serialized().withCString { entry.table.pointee.get_dependent_resources(h, instance, $0) } }
    }

    private func array(_ services: CallServices, _ what: String, _ body: (OpaquePointer) -> bulwark_status) throws(PluginCallError) -> [JSON] {
        let call = services.makeCall(name)
        try call.check(call.withCall(body), what)
        guard case .array(let items) = try call.resultJSON(what) else {
            throw PluginCallError(plugin: name, status: BULWARK_ERROR, message: "\(what) must return a JSON array of resources")
        }
        return items
    }
}

/// Which hook of an operation.
public enum HookName: String, Sendable, CaseIterable {
    case prepareBegin = "on_prepare_begin"
    case prepareFinish = "on_prepare_finish"
    case main = "on_main"
    case complete = "on_complete"
}

/// What a hook is told (see bulwark_hook_args), as the JSON text handed to the plugin;
/// the engine serialises each value once per run or resource, not once per call.
public struct HookArguments: Sendable {
    public var resource: String
    public var parameters: String
    public var checkpointID: String
    public var providerID: String
    public var restoreID: String?
    /// Restore and verify: the caller's target and credentials, as JSON text.
    public var restoreContext: String?
    public var checkpoint: String

    public init(resource: String, parameters: String, checkpointID: String, providerID: String, restoreID: String? = nil,
                checkpoint: String, restoreContext: String? = nil) {
        self.restoreContext = restoreContext
        self.resource = resource
        self.parameters = parameters
        self.checkpointID = checkpointID
        self.providerID = providerID
        self.restoreID = restoreID
        self.checkpoint = checkpoint
    }

    public init(resource: JSON, parameters: JSON, checkpointID: String, providerID: String, restoreID: String? = nil, checkpoint: JSON) {
        self.init(resource: resource.serialized(), parameters: parameters.serialized(), checkpointID: checkpointID,
                  providerID: providerID, restoreID: restoreID, checkpoint: checkpoint.serialized())
    }
}

/// A protection plugin made for one provider. Blocking: call from a thread of your own.
public final class ProtectionInstance: @unchecked Sendable {
    public let entry: ProtectionEntry
    let instance: UnsafeMutableRawPointer?
    /// Seconds a hook of this plugin may run before it is cancelled (the provider file's
    /// `hook_timeout`); nil: no limit.
    public let hookTimeout: Double?

    public init(_ entry: ProtectionEntry, configuration: JSON = .object(JSONObject()), services: CallServices = .init(),
                hookTimeout: Double? = nil) throws(PluginCallError) {
        self.entry = entry
        self.hookTimeout = hookTimeout
        let t = entry.table.pointee
        instance = try createInstance(entry.name, t.plugin_data, configuration, services) { t.create($0, $1, $2, $3) }
    }

    deinit { entry.table.pointee.destroy?(instance) }

    /// Whether the plugin implements `hook` of `operation` (the engine skips the rest).
    public func implements(_ operation: Operation, _ hook: HookName) -> Bool {
        hookFunction(operation, hook) != nil
    }

    private func hookFunction(_ operation: Operation, _ hook: HookName) -> bulwark_hook_fn? {
        let t = entry.table.pointee
        let op: UnsafePointer<bulwark_operation>? = switch operation {
        case .protect: t.protect
        case .restore: t.restore
        case .delete: t.delete_
        case .verify: t.verify
        }
        guard let o = op?.pointee else { return nil }
        return switch hook {
        case .prepareBegin: o.on_prepare_begin
        case .prepareFinish: o.on_prepare_finish
        case .main: o.on_main
        case .complete: o.on_complete
        }
    }

    /// Run one hook; a missing hook does nothing.
    public func run(_ operation: Operation, _ hook: HookName, _ arguments: HookArguments, services: CallServices) throws(PluginCallError) {
        guard let function = hookFunction(operation, hook) else { return }
        let call = services.makeCall(entry.name)
        let resource = arguments.resource
        let parameters = arguments.parameters
        let checkpoint = arguments.checkpoint
        let status: bulwark_status = call.withCall { handle in
            resource.withCString { r in
                parameters.withCString { p in
                    arguments.checkpointID.withCString { c in
                        arguments.providerID.withCString { pv in
                            checkpoint.withCString { cj in
                                withOptionalCString(arguments.restoreID) { rid in
                                    withOptionalCString(arguments.restoreContext) { rc in
                                        var args = bulwark_hook_args(struct_size: MemoryLayout<bulwark_hook_args>.size, resource_json: r,
                                                                     parameters_json: p, checkpoint_id: c, provider_id: pv,
                                                                     restore_id: rid, checkpoint_json: cj, restore_json: rc)
                                        return function(handle, instance, &args)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        try call.check(status, "\(operation.rawValue) \(hook.rawValue)")
    }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// A bank plugin made for one provider. Blocking: call from a thread of your own.
public final class BankInstance: @unchecked Sendable {
    public let entry: BankEntry
    let instance: UnsafeMutableRawPointer?

    public init(_ entry: BankEntry, configuration: JSON = .object(JSONObject()), services: CallServices = .init()) throws(PluginCallError) {
        self.entry = entry
        let t = entry.table.pointee
        instance = try createInstance(entry.name, t.plugin_data, configuration, services) { t.create($0, $1, $2, $3) }
    }

    deinit { entry.table.pointee.destroy?(instance) }

    fileprivate var t: bulwark_bank { entry.table.pointee }

    @discardableResult
    fileprivate func invoke(_ what: String, _ body: (OpaquePointer) -> bulwark_status) throws(PluginCallError) -> PluginCall {
        let call = PluginCall(pluginName: entry.name)
        try call.check(call.withCall(body), what)
        return call
    }

    public func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws(PluginCallError) {
        try invoke("put \(key)") { h in t.put(h, instance, key, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) }
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws(PluginCallError) {
        try bytes.withUnsafeBytes { b in Result { () throws(PluginCallError) in try put(key, b) } }.get()
    }

    /// Bytes of the object (or a range); nil when there is none.
    public func get(_ key: String, offset: UInt64 = 0, length: UInt64 = 0) throws(PluginCallError) -> [UInt8]? {
        do {
            return try invoke("get \(key)") { h in t.get(h, instance, key, offset, length) }.result
        } catch where error.isNotFound {
            return nil
        }
    }

    /// Size of the object in bytes; nil when there is none.
    public func size(_ key: String) throws(PluginCallError) -> UInt64? {
        let call: PluginCall
        do {
            call = try invoke("head \(key)") { h in t.head(h, instance, key) }
        } catch where error.isNotFound {
            return nil
        }
        guard let size = try call.resultJSON("head")["size"]?.numberValue?.int64Value else {
            throw PluginCallError(plugin: entry.name, status: BULWARK_ERROR, message: "head must return {\"size\": n}")
        }
        return UInt64(size)
    }

    public func list(prefix: String, marker: String? = nil, limit: Int = 0, descending: Bool = false) throws(PluginCallError) -> [String] {
        let call = try invoke("list \(prefix)") { h in
            withOptionalCString(marker) { m in t.list(h, instance, prefix, m, UInt32(clamping: limit), descending ? BULWARK_SORT_DESC : BULWARK_SORT_ASC) }
        }
        guard case .array(let keys) = try call.resultJSON("list") else {
            throw PluginCallError(plugin: entry.name, status: BULWARK_ERROR, message: "list must return a JSON array of keys")
        }
        return keys.compactMap(\.stringValue)
    }

    public func delete(_ key: String) throws(PluginCallError) {
        try invoke("delete \(key)") { h in t.delete_(h, instance, key) }
    }

    /// Write an object in pieces; `body` appends, the object appears on return.
    public func write(_ key: String, size: UInt64? = nil,
                      _ body: (_ append: (UnsafeRawBufferPointer) throws(PluginCallError) -> Void) throws(PluginCallError) -> Void) throws(PluginCallError) {
        let writer = try openWriter(key, size: size)
        do {
            try body { (chunk: UnsafeRawBufferPointer) throws(PluginCallError) in try writer.append(chunk) }
        } catch {
            writer.abort()
            throw error
        }
        try writer.commit()
    }

    /// An open piece-by-piece write; the object appears on `commit`. With a declared
    /// size, an append past it or a commit short of it fails (and the write is aborted):
    /// a bank may have promised that size to its server.
    public final class Writer {
        let bank: BankInstance
        let key: String
        let size: UInt64?
        var handle: UnsafeMutableRawPointer?
        private(set) var written: UInt64 = 0

        init(bank: BankInstance, key: String, size: UInt64?, handle: UnsafeMutableRawPointer?) {
            self.bank = bank
            self.key = key
            self.size = size
            self.handle = handle
        }

        deinit { abort() }

        private func sizeError(_ message: String) -> PluginCallError {
            abort()
            return PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: "\(key): \(message); the object was not written")
        }

        public func append(_ bytes: UnsafeRawBufferPointer) throws(PluginCallError) {
            guard let h = handle else { throw PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: "\(key): write after commit or abort") }
            if let size, written + UInt64(bytes.count) > size {
                throw sizeError("\(written + UInt64(bytes.count)) bytes appended to an object declared as \(size)")
            }
            try bank.invoke("write \(key)") { c in bank.t.writer_append(c, h, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) }
            written += UInt64(bytes.count)
        }

        public func commit() throws(PluginCallError) {
            guard let h = handle else { throw PluginCallError(plugin: "host", status: BULWARK_INVALID_ARGUMENT, message: "\(key): commit after commit or abort") }
            if let size, written != size {
                throw sizeError("committed after \(written) of its declared \(size) bytes")
            }
            handle = nil
            try bank.invoke("commit \(key)") { c in bank.t.writer_commit(c, h) }
        }

        public func abort() {
            guard let h = handle else { return }
            handle = nil
            bank.t.writer_abort(h)
        }
    }

    /// Open a piece-by-piece write of `key`; `size`, when known, is its exact length
    /// (banks built for ABI 1.0 are simply not told).
    public func openWriter(_ key: String, size: UInt64? = nil) throws(PluginCallError) -> Writer {
        var writer: UnsafeMutableRawPointer?
        if let size, let sized = t.writer_open_sized {
            try invoke("open \(key) for writing") { h in sized(h, instance, key, size, &writer) }
        } else {
            try invoke("open \(key) for writing") { h in t.writer_open(h, instance, key, &writer) }
        }
        return Writer(bank: self, key: key, size: size, handle: writer)
    }

    public func acquireLease(_ name: String, owner: String, ttl: UInt32) throws(PluginCallError) {
        try invoke("acquire lease \(name)") { h in t.lease_acquire(h, instance, name, owner, ttl) }
    }

    public func renewLease(_ name: String, owner: String, ttl: UInt32) throws(PluginCallError) {
        try invoke("renew lease \(name)") { h in t.lease_renew(h, instance, name, owner, ttl) }
    }

    /// The lease's holder and expiry, or nil when there is none.
    public func checkLease(_ name: String) throws(PluginCallError) -> (owner: String, expiresAt: Double, valid: Bool)? {
        let call: PluginCall
        do {
            call = try invoke("check lease \(name)") { h in t.lease_check(h, instance, name) }
        } catch where error.isNotFound {
            return nil
        }
        let info = try call.resultJSON("lease_check")
        guard let owner = info["owner"]?.stringValue, let expires = info["expires_at"]?.numberValue, let valid = info["valid"]?.boolValue else {
            throw PluginCallError(plugin: entry.name, status: BULWARK_ERROR, message: "lease_check must return {\"owner\", \"expires_at\", \"valid\"}")
        }
        return (owner, expires.doubleValue, valid)
    }

    public func releaseLease(_ name: String, owner: String) throws(PluginCallError) {
        try invoke("release lease \(name)") { h in t.lease_release(h, instance, name, owner) }
    }
}
