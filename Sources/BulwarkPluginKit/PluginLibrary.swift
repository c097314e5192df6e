internal import CBulwarkPlugin
import Glibc

/// Everything one plugin library provides. Build one and return `export(...)` from the
/// library's `bulwark_plugin_init`:
///
/// ```swift
/// @_cdecl("bulwark_plugin_init")
/// public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?,
///                               _ out: UnsafeMutableRawPointer?) -> Int32 {
///     PluginLibrary(name: "my-plugins", version: "1.0.0",
///                   protections: [MyProtection.self]).export(call, host, out)
/// }
/// ```
public struct PluginLibrary: Sendable {
    public var name: String
    public var version: String
    public var protectables: [any Protectable.Type]
    public var protections: [any ProtectionPlugin.Type]
    public var banks: [any BankPlugin.Type]

    public init(name: String, version: String, protectables: [any Protectable.Type] = [],
                protections: [any ProtectionPlugin.Type] = [], banks: [any BankPlugin.Type] = []) {
        self.name = name
        self.version = version
        self.protectables = protectables
        self.protections = protections
        self.banks = banks
    }

    /// Build the C descriptor and hand it to the host. The descriptor lives as long as the
    /// process (the host never unloads plugin libraries).
    public func export(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
        guard let host = host?.assumingMemoryBound(to: bulwark_host.self),
              let out = out?.assumingMemoryBound(to: UnsafePointer<bulwark_plugin_descriptor>?.self)
        else { return BULWARK_INVALID_ARGUMENT }
        if host.pointee.abi_major != UInt32(BULWARK_ABI_VERSION_MAJOR) {
            host.pointee.set_error(call, "\(name) was built for plugin ABI \(BULWARK_ABI_VERSION_MAJOR).x; the host speaks \(host.pointee.abi_major).\(host.pointee.abi_minor)")
            return BULWARK_UNSUPPORTED
        }
        let d = UnsafeMutablePointer<bulwark_plugin_descriptor>.allocate(capacity: 1)
        d.initialize(to: bulwark_plugin_descriptor())
        d.pointee.abi_major = UInt32(BULWARK_ABI_VERSION_MAJOR)
        d.pointee.abi_minor = UInt32(BULWARK_ABI_VERSION_MINOR)
        d.pointee.struct_size = MemoryLayout<bulwark_plugin_descriptor>.size
        d.pointee.library_name = UnsafePointer(strdup(name))
        d.pointee.library_version = UnsafePointer(strdup(version))
        d.pointee.protectables = table(protectables.map { makeProtectable($0, host) })
        d.pointee.protectable_count = protectables.count
        d.pointee.protections = table(protections.map { makeProtection($0, host) })
        d.pointee.protection_count = protections.count
        d.pointee.banks = table(banks.map { makeBank($0, host) })
        d.pointee.bank_count = banks.count
        out.pointee = UnsafePointer(d)
        return BULWARK_OK
    }
}

// MARK: - C tables (allocated once, never freed: the library is never unloaded)

func table<T>(_ entries: [UnsafePointer<T>]) -> UnsafePointer<UnsafePointer<T>?>? {
    if entries.isEmpty { return nil }
    let t = UnsafeMutablePointer<UnsafePointer<T>?>.allocate(capacity: entries.count)
    for (i, e) in entries.enumerated() { (t + i).initialize(to: e) }
    return UnsafePointer(t)
}

func cString(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }

func cString(_ json: JSON?) -> UnsafePointer<CChar>? { json.map { cString($0.serialized()) } }

/// A NULL-terminated array of C strings, or NULL for an empty list.
func cStringList(_ list: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
    if list.isEmpty { return nil }
    let a = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: list.count + 1)
    for (i, s) in list.enumerated() { (a + i).initialize(to: cString(s)) }
    (a + list.count).initialize(to: nil)
    return UnsafePointer(a)
}

/// What a plugin_data pointer refers to: the Swift type and the host table.
final class TypeBox<T>: @unchecked Sendable {
    let type: T
    let host: UnsafePointer<bulwark_host>
    init(_ type: T, _ host: UnsafePointer<bulwark_host>) {
        self.type = type
        self.host = host
    }
}

/// What an instance pointer refers to: the plugin value, typed (no generic metadata or
/// dynamic cast on the hot path of every call), and the host table.
final class InstanceBox: @unchecked Sendable {
    let protectable: (any Protectable)?
    let protection: (any ProtectionPlugin)?
    let bank: (any BankPlugin)?
    let writer: (any BankObjectWriter)?
    let host: UnsafePointer<bulwark_host>

    init(protectable: (any Protectable)? = nil, protection: (any ProtectionPlugin)? = nil, bank: (any BankPlugin)? = nil,
         writer: (any BankObjectWriter)? = nil, host: UnsafePointer<bulwark_host>) {
        self.protectable = protectable
        self.protection = protection
        self.bank = bank
        self.writer = writer
        self.host = host
    }

    static func from(_ p: UnsafeMutableRawPointer?) -> InstanceBox {
        Unmanaged<InstanceBox>.fromOpaque(p!).takeUnretainedValue()
    }
}

// MARK: - Calling Swift from C

/// Run `body`, turning a thrown error into a status and an error message for the host.
func guarded(_ call: OpaquePointer?, _ host: UnsafePointer<bulwark_host>, _ body: () throws -> Void) -> bulwark_status {
    do {
        try body()
        return BULWARK_OK
    } catch let error as PluginError {
        host.pointee.set_error(call, error.message)
        return error.status
    } catch {
        host.pointee.set_error(call, String(describing: error))
        return BULWARK_ERROR
    }
}

func appendResult(_ call: OpaquePointer?, _ host: UnsafePointer<bulwark_host>, _ json: JSON) {
    let bytes = json.serializedBytes()
    _ = bytes.withUnsafeBufferPointer { host.pointee.result_append(call, $0.baseAddress, $0.count) }
}

func parseArgument(_ text: UnsafePointer<CChar>?, _ what: String) throws(PluginError) -> JSON {
    guard let text else { return .object(JSONObject()) }
    do {
        return try JSON.parse(String(cString: text))
    } catch {
        throw .invalidArgument("\(what) is not valid JSON: \(error)")
    }
}

func createInstance<T>(_ call: OpaquePointer?, _ pluginData: UnsafeMutableRawPointer?, _ config: UnsafePointer<CChar>?,
                       _ instance: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                       _ make: (T, JSON, borrowing PluginContext, UnsafePointer<bulwark_host>) throws -> InstanceBox) -> bulwark_status {
    let box = Unmanaged<TypeBox<T>>.fromOpaque(pluginData!).takeUnretainedValue()
    return guarded(call, box.host) {
        let configuration = try parseArgument(config, "the configuration")
        let context = PluginContext(call: call, host: box.host)
        let value = try make(box.type, configuration, context, box.host)
        instance?.pointee = Unmanaged.passRetained(value).toOpaque()
    }
}

func destroyInstance(_ instance: UnsafeMutableRawPointer?) {
    guard let instance else { return }
    Unmanaged<InstanceBox>.fromOpaque(instance).release()
}
