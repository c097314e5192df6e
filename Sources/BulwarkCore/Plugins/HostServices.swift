import BulwarkJSON
import CBulwarkPlugin
import Glibc

/// The `bulwark_host` table handed to every plugin: one immutable table for the process,
/// whose functions find their per-call state through the `bulwark_call *`.
final class HostServices: @unchecked Sendable {
    /// Never freed: plugins may keep the pointer for as long as they are loaded.
    let table: UnsafePointer<bulwark_host>

    static let shared = HostServices()

    private init() {
        let t = UnsafeMutablePointer<bulwark_host>.allocate(capacity: 1)
        t.initialize(to: bulwark_host())
        t.pointee.struct_size = MemoryLayout<bulwark_host>.size
        t.pointee.abi_major = UInt32(BULWARK_ABI_VERSION_MAJOR)
        t.pointee.abi_minor = UInt32(BULWARK_ABI_VERSION_MINOR)
        t.pointee.result_append = { handle, data, length in
            guard let call = PluginCall.from(handle) else { return BULWARK_INVALID_ARGUMENT }
            if length > 0, let data { call.appendResult(UnsafeBufferPointer(start: data, count: length)) }
            return BULWARK_OK
        }
        t.pointee.set_error = { handle, message in
            guard let call = PluginCall.from(handle) else { return }
            call.errorMessage = message.map { String(cString: $0) } ?? "(no message)"
        }
        t.pointee.log = { handle, level, message in
            guard let call = PluginCall.from(handle), let message, call.revoked?.isCancelled != true else { return }
            call.events?.log(plugin: call.pluginName, level: PluginLogLevel(rawValue: Int32(level.rawValue)) ?? .info,
                             message: String(cString: message))
        }
        t.pointee.progress = { handle, fraction, message in
            guard let call = PluginCall.from(handle), call.revoked?.isCancelled != true else { return }
            call.events?.progress(plugin: call.pluginName, fraction: min(max(fraction, 0), 1),
                                  message: message.map { String(cString: $0) })
        }
        t.pointee.is_cancelled = { handle in
            PluginCall.from(handle)?.cancellation?.isCancelled == true ? 1 : 0
        }
        t.pointee.bank_put = { handle, key, data, length in
            withSection(handle, key) { section, key in
                try section.put(key, UnsafeRawBufferPointer(start: data, count: length))
            }
        }
        t.pointee.bank_writer_open = { handle, key, writerOut in
            BulwarkCore.openWriter(handle, key, size: nil, writerOut)
        }
        t.pointee.bank_writer_open_sized = { handle, key, size, writerOut in
            BulwarkCore.openWriter(handle, key, size: size, writerOut)
        }
        t.pointee.bank_writer_append = { handle, writer, data, length in
            guard let call = PluginCall.from(handle), let writer, let w = call.writer(writer) else { return BULWARK_INVALID_ARGUMENT }
            if call.refusedAsAbandoned() { return BULWARK_CANCELLED }
            return reporting(call) { try w.append(UnsafeRawBufferPointer(start: data, count: length)) }
        }
        t.pointee.bank_writer_commit = { handle, writer in
            guard let call = PluginCall.from(handle), let writer, let w = call.removeWriter(writer) else { return BULWARK_INVALID_ARGUMENT }
            if call.refusedAsAbandoned() {
                w.abort()
                return BULWARK_CANCELLED
            }
            return reporting(call) { try w.commit() }
        }
        t.pointee.bank_writer_abort = { handle, writer in
            guard let call = PluginCall.from(handle), let writer, let w = call.removeWriter(writer) else { return }
            w.abort()
        }
        t.pointee.bank_get = { handle, key, offset, length, out in
            withSection(handle, key) { section, key in
                guard let bytes = try section.get(key, offset: offset, length: length) else {
                    throw PluginCallError(plugin: "host", status: BULWARK_NOT_FOUND, message: "no object \(key)")
                }
                out?.pointee = HostServices.giveBytes(bytes)
            }
        }
        t.pointee.bank_list = { handle, prefix, marker, limit, sort, out in
            guard let call = PluginCall.from(handle) else { return BULWARK_INVALID_ARGUMENT }
            if call.refusedAsAbandoned() { return BULWARK_CANCELLED }
            guard let section = call.bank else {
                call.errorMessage = "the bank is not available outside operation hooks"
                return BULWARK_UNSUPPORTED
            }
            return reporting(call) {
                let keys = try section.list(prefix: prefix.map { String(cString: $0) } ?? "",
                                            marker: marker.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
                                            limit: Int(limit), descending: sort == BULWARK_SORT_DESC)
                out?.pointee = HostServices.giveBytes(JSON.array(keys.map { .string($0) }).serializedBytes())
            }
        }
        t.pointee.bank_delete = { handle, key in
            withSection(handle, key) { section, key in try section.delete(key) }
        }
        t.pointee.new_resource_set = { handle, oldID, newID in
            guard let call = PluginCall.from(handle), let oldID, let newID else { return BULWARK_INVALID_ARGUMENT }
            if call.refusedAsAbandoned() { return BULWARK_CANCELLED }
            guard let map = call.newResources else {
                call.errorMessage = "the new-resources map exists during restore only"
                return BULWARK_UNSUPPORTED
            }
            map.set(String(cString: oldID), String(cString: newID))
            return BULWARK_OK
        }
        t.pointee.new_resource_get = { handle, oldID, out in
            guard let call = PluginCall.from(handle), let oldID else { return BULWARK_INVALID_ARGUMENT }
            if call.refusedAsAbandoned() { return BULWARK_CANCELLED }
            guard let map = call.newResources else {
                call.errorMessage = "the new-resources map exists during restore only"
                return BULWARK_UNSUPPORTED
            }
            guard let newID = map.get(String(cString: oldID)) else { return BULWARK_NOT_FOUND }
            out?.pointee = HostServices.giveBytes(Array(newID.utf8))
            return BULWARK_OK
        }
        t.pointee.bytes_free = { bytes in
            guard let bytes else { return }
            free(bytes.pointee.data)
            bytes.pointee.data = nil
            bytes.pointee.length = 0
        }
        table = UnsafePointer(t)
    }

    /// Copy bytes into a malloc'd buffer the plugin releases with bytes_free.
    static func giveBytes(_ bytes: [UInt8]) -> bulwark_bytes {
        guard !bytes.isEmpty, let p = malloc(bytes.count)?.assumingMemoryBound(to: UInt8.self) else {
            return bulwark_bytes(data: nil, length: 0)
        }
        bytes.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: bytes.count) }
        return bulwark_bytes(data: p, length: bytes.count)
    }
}

/// bank_writer_open(_sized): the section's writer, known to the call by its address.
private func openWriter(_ handle: OpaquePointer?, _ key: UnsafePointer<CChar>?, size: UInt64?,
                               _ writerOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> bulwark_status {
    guard let call = PluginCall.from(handle) else { return BULWARK_INVALID_ARGUMENT }
    return withSection(handle, key) { section, key in
        writerOut?.pointee = call.addWriter(try section.openWriter(key, size: size))
    }
}

/// Run a bank-section service for a call, turning errors into the call's message.
private func withSection(_ handle: OpaquePointer?, _ key: UnsafePointer<CChar>?,
                         _ body: (any BankSectionService, String) throws -> Void) -> bulwark_status {
    guard let call = PluginCall.from(handle), let key else { return BULWARK_INVALID_ARGUMENT }
    if call.refusedAsAbandoned() { return BULWARK_CANCELLED }
    guard let section = call.bank else {
        call.errorMessage = "the bank is not available outside operation hooks"
        return BULWARK_UNSUPPORTED
    }
    return reporting(call) { try body(section, String(cString: key)) }
}

private func reporting(_ call: PluginCall, _ body: () throws -> Void) -> bulwark_status {
    do {
        try body()
        return BULWARK_OK
    } catch let error as PluginCallError {
        call.errorMessage = error.message
        return error.status
    } catch {
        call.errorMessage = String(describing: error)
        return BULWARK_ERROR
    }
}
