internal import CBulwarkPlugin

/// What the host offers during one call into a plugin: logging, progress, cancellation,
/// and in operation hooks the resource's bank section and the restore's new-resources map.
///
/// Valid only during the call it was handed to; do not keep it or pass it to another
/// thread that outlives the call.
public struct PluginContext: ~Copyable {
    let call: OpaquePointer?
    let host: UnsafePointer<bulwark_host>

    init(call: OpaquePointer?, host: UnsafePointer<bulwark_host>) {
        self.call = call
        self.host = host
    }

    public enum LogLevel: UInt32, Sendable { case debug = 0, info, warning, error }

    /// Log a line under the plugin's name. Never log secrets.
    public func log(_ level: LogLevel = .info, _ message: String) {
        host.pointee.log(call, bulwark_log_level(rawValue: level.rawValue), message)
    }

    /// Report progress of a long hook, `fraction` in 0...1.
    public func progress(_ fraction: Double, _ message: String? = nil) {
        if let message {
            host.pointee.progress(call, fraction, message)
        } else {
            host.pointee.progress(call, fraction, nil)
        }
    }

    /// True once the run was cancelled; a long hook should stop and throw
    /// `PluginError.cancelled()`.
    public var isCancelled: Bool { host.pointee.is_cancelled(call) != 0 }

    /// Throws `PluginError.cancelled()` when the run was cancelled.
    public func checkCancellation() throws(PluginError) {
        if isCancelled { throw .cancelled() }
    }

    // MARK: The bank section

    /// Store `bytes` under `key` in this resource's section (durable when it returns).
    public func put(_ key: String, _ bytes: some Collection<UInt8>) throws(PluginError) {
        let status = withBytes(bytes) { host.pointee.bank_put(call, key, $0.baseAddress, $0.count) }
        try check(status, "put \(key)")
    }

    /// Store JSON text under `key`.
    public func put(_ key: String, json: JSON) throws(PluginError) {
        try put(key, json.serializedBytes())
    }

    /// Write a large object in pieces; the object appears whole when `body` returns, or
    /// not at all when it throws. Give `size` when the object's exact length is known
    /// before its first byte: a bank may then send it in one request (the host refuses
    /// a different length). A host older than ABI 1.1 is simply not told.
    public func write(_ key: String, size: UInt64? = nil,
                      _ body: (_ append: (UnsafeRawBufferPointer) throws(PluginError) -> Void) throws(PluginError) -> Void) throws(PluginError) {
        var writer: UnsafeMutableRawPointer?
        let sizedOffset = MemoryLayout<bulwark_host>.offset(of: \.bank_writer_open_sized)!
        if let size, host.pointee.struct_size >= sizedOffset + MemoryLayout<UnsafeRawPointer>.size,
           let openSized = host.pointee.bank_writer_open_sized {
            try check(openSized(call, key, size, &writer), "open \(key) for writing")
        } else {
            try check(host.pointee.bank_writer_open(call, key, &writer), "open \(key) for writing")
        }
        do {
            try body { (chunk: UnsafeRawBufferPointer) throws(PluginError) in
                let status = host.pointee.bank_writer_append(call, writer, chunk.baseAddress?.assumingMemoryBound(to: UInt8.self), chunk.count)
                try check(status, "write \(key)")
            }
        } catch {
            host.pointee.bank_writer_abort(call, writer)
            throw error
        }
        try check(host.pointee.bank_writer_commit(call, writer), "commit \(key)")
    }

    /// Read the object at `key` (or a range of it); nil when there is none.
    public func get(_ key: String, offset: UInt64 = 0, length: UInt64 = 0) throws(PluginError) -> [UInt8]? {
        var out = bulwark_bytes(data: nil, length: 0)
        let status = host.pointee.bank_get(call, key, offset, length, &out)
        defer { host.pointee.bytes_free(&out) }
        if status == BULWARK_NOT_FOUND { return nil }
        try check(status, "get \(key)")
        return out.data.map { Array(UnsafeBufferPointer(start: $0, count: out.length)) } ?? []
    }

    /// Read and parse the JSON object at `key`; nil when there is none.
    public func getJSON(_ key: String) throws(PluginError) -> JSON? {
        guard let bytes = try get(key) else { return nil }
        do {
            return try JSON.parse(bytes: bytes)
        } catch {
            throw .failed("bank object \(key) is not valid JSON: \(error)")
        }
    }

    /// Keys under `prefix`, after `marker`, at most `limit` (0: all).
    public func list(prefix: String = "", marker: String? = nil, limit: UInt32 = 0, descending: Bool = false) throws(PluginError) -> [String] {
        var out = bulwark_bytes(data: nil, length: 0)
        let status = host.pointee.bank_list(call, prefix, marker, limit, descending ? BULWARK_SORT_DESC : BULWARK_SORT_ASC, &out)
        defer { host.pointee.bytes_free(&out) }
        try check(status, "list \(prefix)")
        let bytes = out.data.map { Array(UnsafeBufferPointer(start: $0, count: out.length)) } ?? []
        guard let keys = (try? JSON.parse(bytes: bytes))?.arrayValue else {
            throw .failed("the host returned a malformed key list")
        }
        return keys.compactMap(\.stringValue)
    }

    /// Delete the object at `key` (missing is fine).
    public func delete(_ key: String) throws(PluginError) {
        try check(host.pointee.bank_delete(call, key), "delete \(key)")
    }

    // MARK: The new-resources map (restore)

    /// Record that the resource `oldID` was restored as `newID`.
    public func setNewResource(_ oldID: String, _ newID: String) throws(PluginError) {
        try check(host.pointee.new_resource_set(call, oldID, newID), "record new id of \(oldID)")
    }

    /// The id `oldID` was restored as, or nil when it was not restored.
    public func newResource(_ oldID: String) throws(PluginError) -> String? {
        var out = bulwark_bytes(data: nil, length: 0)
        let status = host.pointee.new_resource_get(call, oldID, &out)
        defer { host.pointee.bytes_free(&out) }
        if status == BULWARK_NOT_FOUND { return nil }
        try check(status, "look up new id of \(oldID)")
        return String(decoding: UnsafeBufferPointer(start: out.data, count: out.length), as: UTF8.self)
    }

    private func check(_ status: bulwark_status, _ what: String) throws(PluginError) {
        if status == BULWARK_OK { return }
        throw PluginError(status: status, message: "bank: cannot \(what) (status \(status))")
    }
}

func withBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = bytes.withContiguousStorageIfAvailable(body) { return r }
    return Array(bytes).withUnsafeBufferPointer(body)
}
