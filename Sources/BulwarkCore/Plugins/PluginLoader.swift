import BulwarkJSON
import BulwarkSchema
import CBulwarkPlugin
import Glibc
import Synchronization

/// Opens plugin libraries with `dlopen`, negotiates the ABI version and checks the
/// descriptor, turning every problem into a one-line ``PluginLoadError`` naming the file.
///
/// A library is opened and initialised once per process (by real path), whichever loader
/// asks first (``OpenedLibraries``), and never closed: Swift and C++ libraries cannot be
/// unloaded safely, and plugins keep host pointers. Each loader checks the descriptor
/// with its own schema check, once per library.
public final class PluginLoader: Sendable {
    private let cache = Mutex<[String: Result<LoadedLibrary, PluginLoadError>]>([:])
    private let schemaCheck: @Sendable (JSON) -> String?

    /// `schemaCheck` returns a reason when a published JSON Schema is not a valid schema;
    /// by default a schema must validate against its draft's meta-schema (2020-12 when it
    /// names none) and compile.
    public init(schemaCheck: @escaping @Sendable (JSON) -> String? = PluginLoader.metaSchemaCheck) {
        self.schemaCheck = schemaCheck
    }

    @Sendable public static func metaSchemaCheck(_ schema: JSON) -> String? {
        let problems = JSONSchema.problems(with: schema)
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The ABI version this host speaks.
    public static var abiVersion: (major: UInt32, minor: UInt32) {
        (UInt32(BULWARK_ABI_VERSION_MAJOR), UInt32(BULWARK_ABI_VERSION_MINOR))
    }

    /// Open the library at `path`, or give the outcome of its first opening. Loads are
    /// serialised: the check, the `dlopen` and the init run under the cache's lock, so two
    /// threads loading one library never run its init twice, which the header forbids.
    /// (Loads are rare and a library's init is short; a slow one delays only other loads.)
    public func load(path: String) throws(PluginLoadError) -> LoadedLibrary {
        let key = realPath(path) ?? path
        return try cache.withLock { cache in
            if let cached = cache[key] { return cached }
            let result = Result { () throws(PluginLoadError) in try read(path: path, key: key) }
            cache[key] = result
            return result
        }.get()
    }

    private func read(path: String, key: String) throws(PluginLoadError) -> LoadedLibrary {
        func fail(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }
        let d = try OpenedLibraries.shared.descriptor(path: path, key: key).pointee
        let host = PluginLoader.abiVersion
        guard d.abi_major == host.major else {
            throw fail("built for plugin ABI \(d.abi_major).\(d.abi_minor); this host speaks \(host.major).\(host.minor) (rebuild the plugin against bulwark_plugin.h \(host.major).x)")
        }
        guard d.struct_size >= MemoryLayout<bulwark_plugin_descriptor>.size else {
            throw fail("descriptor struct_size \(d.struct_size) is smaller than ABI 1.0's \(MemoryLayout<bulwark_plugin_descriptor>.size); the descriptor is malformed")
        }
        guard let name = string(d.library_name), !name.isEmpty else { throw fail("descriptor has no library_name") }
        let version = string(d.library_version) ?? ""
        var reader = DescriptorReader(path: path, library: name, schemaCheck: schemaCheck)
        let protectables = try reader.entries(d.protectables, d.protectable_count, "protectables") { (t: bulwark_protectable, i) throws(PluginLoadError) in
            try reader.protectable(t, i)
        }
        let protections = try reader.entries(d.protections, d.protection_count, "protections") { (t: bulwark_protection, i) throws(PluginLoadError) in
            try reader.protection(t, i)
        }
        let banks = try reader.entries(d.banks, d.bank_count, "banks",
                                       abi10Size: MemoryLayout<bulwark_bank>.offset(of: \.writer_open_sized)!) { (t: bulwark_bank, i) throws(PluginLoadError) in
            try reader.bank(t, i)
        }
        return LoadedLibrary(path: path, name: name, version: version, abiMajor: d.abi_major, abiMinor: d.abi_minor,
                             protectables: protectables.map { t, e in e(t) },
                             protections: protections.map { t, e in e(t) },
                             banks: banks.map { t, e in e(t) })
    }
}

/// The libraries this process opened: each `dlopen`ed and its init called once, however
/// many loaders ask (a server opens one provider after another, each with its loader),
/// as the header promises plugins. What lives as long as a library (its descriptor, the
/// zero-filled copies of tables from an older minor version) is kept here, reachable.
final class OpenedLibraries: Sendable {
    static let shared = OpenedLibraries()

    private struct State {
        /// Real path -> the descriptor's address, or why the library could not be opened.
        var descriptors: [String: Result<UInt, PluginLoadError>] = [:]
        /// A table entry's address -> the address of its copy at this version's size.
        var upgraded: [UInt: UInt] = [:]
    }
    private let state = Mutex(State())

    /// The descriptor of the library at `path` (real path `key`), opening it the first
    /// time. Under the lock: a library's init never runs twice, nor two inits at once.
    func descriptor(path: String, key: String) throws(PluginLoadError) -> UnsafePointer<bulwark_plugin_descriptor> {
        let address = try state.withLock { state in
            if let known = state.descriptors[key] { return known }
            let result = Result { () throws(PluginLoadError) in UInt(bitPattern: try Self.open(path: path)) }
            state.descriptors[key] = result
            return result
        }.get()
        return UnsafePointer(bitPattern: address)!
    }

    /// `entry` at `size` bytes, copied once into a zero-filled struct of `fullSize`, so
    /// fields added since read as NULL.
    func upgraded(_ entry: UnsafeRawPointer, size: Int, fullSize: Int, alignment: Int) -> UnsafeRawPointer {
        let key = UInt(bitPattern: entry)
        let address = state.withLock { state in
            if let copy = state.upgraded[key] { return copy }
            let copy = UnsafeMutableRawPointer.allocate(byteCount: fullSize, alignment: alignment)
            copy.initializeMemory(as: UInt8.self, repeating: 0, count: fullSize)
            copy.copyMemory(from: UnsafeRawPointer(bitPattern: key)!, byteCount: size)
            state.upgraded[key] = UInt(bitPattern: copy)
            return UInt(bitPattern: copy)
        }
        return UnsafeRawPointer(bitPattern: address)!
    }

    private static func open(path: String) throws(PluginLoadError) -> UnsafePointer<bulwark_plugin_descriptor> {
        func fail(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }

        var st = stat()
        guard stat(path, &st) == 0 else { throw fail("no such file") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
        if let problem = ELFCheck.problem(path: path, size: Int(st.st_size)) { throw fail(problem) }

        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw fail("cannot be loaded as a shared library: \(dlErrorMessage(path))")
        }
        guard let symbol = dlsym(handle, BULWARK_PLUGIN_INIT_SYMBOL) else {
            throw fail("no \(BULWARK_PLUGIN_INIT_SYMBOL) symbol: not a Bulwark plugin, or the symbol is not exported (declare it with BULWARK_PLUGIN_EXPORT)")
        }
        let initFunction = unsafeBitCast(symbol, to: bulwark_plugin_init_fn.self)
        let call = PluginCall(pluginName: basename(path))
        var descriptorPointer: UnsafePointer<bulwark_plugin_descriptor>?
        let status = call.withCall { initFunction($0, HostServices.shared.table, &descriptorPointer) }
        guard status == BULWARK_OK else {
            throw fail("\(BULWARK_PLUGIN_INIT_SYMBOL) failed (\(PluginCallError.statusName(status))): \(call.errorMessage ?? "no message")")
        }
        guard let descriptorPointer else {
            throw fail("\(BULWARK_PLUGIN_INIT_SYMBOL) returned OK but no descriptor")
        }
        return descriptorPointer
    }
}

/// Reads and checks the tables of a descriptor.
struct DescriptorReader {
    let path: String
    let library: String
    let schemaCheck: @Sendable (JSON) -> String?
    var typesSeen: Set<String> = []
    var namesSeen: Set<String> = []

    func fail(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }

    /// Walk a table of `count` pointers, checking each is present and at least
    /// `abi10Size` (the struct's size in ABI 1.0). A struct from an older minor version
    /// is copied into a zero-filled one of this version's size, so fields added since
    /// read as NULL (the copy lives as long as the library, in ``OpenedLibraries``).
    func entries<T, E>(_ table: UnsafePointer<UnsafePointer<T>?>?, _ count: Int, _ what: String,
                       abi10Size: Int = MemoryLayout<T>.size,
                       _ read: (T, Int) throws(PluginLoadError) -> E) throws(PluginLoadError) -> [(UnsafePointer<T>, E)] {
        if count == 0 { return [] }
        guard count <= 100_000 else { throw fail("descriptor lists \(count) \(what), which is not plausible; the descriptor is malformed") }
        guard let table else { throw fail("descriptor lists \(count) \(what) but the \(what) table is NULL") }
        var result: [(UnsafePointer<T>, E)] = []
        for i in 0..<count {
            guard let entry = table[i] else { throw fail("\(what)[\(i)] is NULL") }
            let size = UnsafeRawPointer(entry).load(as: Int.self)
            guard size >= abi10Size else {
                throw fail("\(what)[\(i)] struct_size \(size) is smaller than ABI 1.0's \(abi10Size); the table is malformed")
            }
            var current = entry
            if size < MemoryLayout<T>.size {
                current = OpenedLibraries.shared.upgraded(UnsafeRawPointer(entry), size: size, fullSize: MemoryLayout<T>.size,
                                                          alignment: MemoryLayout<T>.alignment).assumingMemoryBound(to: T.self)
            }
            result.append((current, try read(current.pointee, i)))
        }
        return result
    }

    mutating func protectable(_ t: bulwark_protectable, _ i: Int) throws(PluginLoadError) -> (UnsafePointer<bulwark_protectable>) -> ProtectableEntry {
        guard let type = string(t.resource_type), !type.isEmpty else { throw fail("protectables[\(i)] has no resource_type") }
        let label = "protectable \"\(type)\""
        guard t.create != nil else { throw fail("\(label) has no create function") }
        guard t.list_resources != nil else { throw fail("\(label) has no list_resources function") }
        guard t.show_resource != nil else { throw fail("\(label) has no show_resource function") }
        guard t.get_dependent_resources != nil else { throw fail("\(label) has no get_dependent_resources function") }
        guard typesSeen.insert(type).inserted else { throw fail("resource type \(type) is provided twice by this library") }
        let parents = try stringList(t.parent_types, "\(label) parent_types")
        let config = try schema(t.config_schema, "\(label) config_schema")
        let (library, path) = (self.library, self.path)
        return { ProtectableEntry(resourceType: type, parentTypes: parents, configSchema: config, libraryName: library, libraryPath: path, table: $0) }
    }

    mutating func protection(_ t: bulwark_protection, _ i: Int) throws(PluginLoadError) -> (UnsafePointer<bulwark_protection>) -> ProtectionEntry {
        guard let name = string(t.name), !name.isEmpty else { throw fail("protections[\(i)] has no name") }
        let label = "protection \"\(name)\""
        guard t.create != nil else { throw fail("\(label) has no create function") }
        let aliases = try stringList(t.aliases, "\(label) aliases")
        for n in [name] + aliases {
            guard namesSeen.insert(n).inserted else { throw fail("plugin name \(n) is used twice by this library") }
        }
        let types = try stringList(t.resource_types, "\(label) resource_types")
        guard !types.isEmpty else { throw fail("\(label) lists no resource_types") }
        var schemas = JSONObject()
        if let text = t.schemas_json {
            guard let s = string(text) else { throw fail("\(label) schemas_json is not valid UTF-8") }
            let parsed: JSON
            do { parsed = try JSON.parse(s) } catch { throw fail("\(label) schemas_json is not valid JSON: \(error)") }
            guard case .object(let byType) = parsed else { throw fail("\(label) schemas_json must be a JSON object keyed by resource type, got \(parsed.typeName)") }
            for (type, kinds) in byType {
                guard case .object(let kindObject) = kinds else { throw fail("\(label) schemas_json[\"\(type)\"] must be an object, got \(kinds.typeName)") }
                for (kind, schema) in kindObject {
                    guard ["options", "restore", "saved_info", "verify"].contains(kind) else {
                        throw fail("\(label) schemas_json[\"\(type)\"] has unknown kind \"\(kind)\" (expected options, restore, saved_info, verify)")
                    }
                    try checkSchema(schema, "\(label) \(kind) schema for \(type)")
                }
            }
            schemas = byType
        }
        let config = try schema(t.config_schema, "\(label) config_schema")
        var operations: [Operation: OperationHooks] = [:]
        for (op, pointer) in [(Operation.protect, t.protect), (.restore, t.restore), (.delete, t.delete_), (.verify, t.verify)] {
            guard let pointer else { continue }
            guard pointer.pointee.struct_size >= MemoryLayout<bulwark_operation>.size else {
                throw fail("\(label) \(op.rawValue) operation struct_size \(pointer.pointee.struct_size) is smaller than ABI 1.0's \(MemoryLayout<bulwark_operation>.size)")
            }
            let o = pointer.pointee
            operations[op] = OperationHooks(prepareBegin: o.on_prepare_begin != nil, prepareFinish: o.on_prepare_finish != nil,
                                            main: o.on_main != nil, complete: o.on_complete != nil)
        }
        let (library, path, finalSchemas) = (self.library, self.path, schemas)
        return {
            ProtectionEntry(name: name, aliases: aliases, resourceTypes: types, schemas: finalSchemas, configSchema: config,
                            operations: operations, libraryName: library, libraryPath: path, table: $0)
        }
    }

    mutating func bank(_ t: bulwark_bank, _ i: Int) throws(PluginLoadError) -> (UnsafePointer<bulwark_bank>) -> BankEntry {
        guard let name = string(t.name), !name.isEmpty else { throw fail("banks[\(i)] has no name") }
        let label = "bank \"\(name)\""
        let required: [(String, Bool)] = [
            ("create", t.create != nil), ("put", t.put != nil), ("writer_open", t.writer_open != nil),
            ("writer_append", t.writer_append != nil), ("writer_commit", t.writer_commit != nil),
            ("writer_abort", t.writer_abort != nil), ("get", t.get != nil), ("head", t.head != nil),
            ("list", t.list != nil), ("delete_", t.delete_ != nil), ("lease_acquire", t.lease_acquire != nil),
            ("lease_renew", t.lease_renew != nil), ("lease_check", t.lease_check != nil),
            ("lease_release", t.lease_release != nil),
        ]
        for (function, present) in required where !present { throw fail("\(label) has no \(function) function") }
        let aliases = try stringList(t.aliases, "\(label) aliases")
        for n in [name] + aliases {
            guard namesSeen.insert(n).inserted else { throw fail("plugin name \(n) is used twice by this library") }
        }
        let config = try schema(t.config_schema, "\(label) config_schema")
        let (library, path) = (self.library, self.path)
        return { BankEntry(name: name, aliases: aliases, configSchema: config, libraryName: library, libraryPath: path, table: $0) }
    }

    func stringList(_ list: UnsafePointer<UnsafePointer<CChar>?>?, _ what: String) throws(PluginLoadError) -> [String] {
        guard let list else { return [] }
        var result: [String] = []
        var i = 0
        while let p = list[i] {
            guard let s = string(p), !s.isEmpty else { throw fail("\(what)[\(i)] is empty or not UTF-8") }
            result.append(s)
            i += 1
            if i > 10_000 { throw fail("\(what) is not NULL-terminated") }
        }
        return result
    }

    func schema(_ text: UnsafePointer<CChar>?, _ what: String) throws(PluginLoadError) -> JSON? {
        guard let text else { return nil }
        guard let s = string(text) else { throw fail("\(what) is not valid UTF-8") }
        let parsed: JSON
        do { parsed = try JSON.parse(s) } catch { throw fail("\(what) is not valid JSON: \(error)") }
        try checkSchema(parsed, what)
        return parsed
    }

    func checkSchema(_ schema: JSON, _ what: String) throws(PluginLoadError) {
        switch schema {
        case .object, .bool: break
        default: throw fail("\(what) must be a JSON object or boolean, got \(schema.typeName)")
        }
        if let reason = schemaCheck(schema) { throw fail("\(what) is not a valid JSON Schema: \(reason)") }
    }
}

func string(_ p: UnsafePointer<CChar>?) -> String? {
    guard let p else { return nil }
    return String(validatingCString: p)
}

func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
}

/// dlerror's text, without the file name it usually starts with (we print that first).
func dlErrorMessage(_ path: String) -> String {
    guard let e = dlerror() else { return "unknown error" }
    var message = String(cString: e)
    if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
    return message
}
