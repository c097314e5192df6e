import BulwarkPluginKit
import Glibc

/// Local files as resources, so the demo (and a user trying Bulwark) needs nothing
/// external: `Demo::Folder` (the folders named in the provider's options) and `Demo::File`
/// (the regular files directly inside a folder; parent type Demo::Folder). Ids are paths.
struct DemoFolder: Protectable {
    static let resourceType = "Demo::Folder"
    static let configSchema: JSON? = [
        "type": "object",
        "properties": ["roots": ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1]],
        "required": ["roots"],
        "additionalProperties": false,
    ]
    let roots: [String]

    init(configuration: JSON, context: borrowing PluginContext) throws {
        roots = (configuration["roots"]?.arrayValue ?? []).compactMap(\.stringValue)
        if roots.isEmpty { throw PluginError.invalidArgument("option \"roots\" must list at least one folder") }
    }

    static func folder(_ path: String) -> Resource {
        Resource(type: resourceType, id: path, name: String(path.split(separator: "/").last ?? Substring(path)))
    }

    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { roots.map(Self.folder) }

    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        guard roots.contains(id) else { throw PluginError.notFound("no folder \(id) among the configured roots") }
        return Self.folder(id)
    }

    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] { [] }
}

/// Files are found as the dependents of their folder. A plan may name a file on its own
/// only when the provider gives Demo::File the same `roots` (and then only a file directly
/// inside one of them): a plan must never reach a file the provider does not offer.
struct DemoFile: Protectable {
    static let resourceType = "Demo::File"
    static let parentTypes = ["Demo::Folder"]
    static let configSchema: JSON? = [
        "type": "object",
        "properties": ["roots": ["type": "array", "items": ["type": "string", "minLength": 1]]],
        "additionalProperties": false,
    ]
    let roots: [String]

    init(configuration: JSON, context: borrowing PluginContext) throws {
        roots = (configuration["roots"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { [] }

    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        let folder = String(id[..<(id.lastIndex(of: "/") ?? id.startIndex)])
        guard roots.contains(folder) else {
            throw PluginError.notFound("no file \(id) among the configured roots (files are found through their Demo::Folder)")
        }
        var st = stat()
        guard lstat(id, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw PluginError.notFound("no file \(id)") }
        return file(id, size: Int(st.st_size))
    }

    func file(_ path: String, size: Int) -> Resource {
        Resource(type: Self.resourceType, id: path, name: String(path.split(separator: "/").last ?? ""),
                 extraInfo: JSONObject([("size", .number(JSONNumber(size)))]))
    }

    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        guard let dir = opendir(parent.id) else { throw PluginError.failed("cannot read folder \(parent.id): \(String(cString: strerror(errno)))") }
        defer { closedir(dir) }
        var files: [Resource] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasPrefix(".") { continue }
            let path = parent.id + "/" + name
            var st = stat()
            if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { files.append(file(path, size: Int(st.st_size))) }
        }
        return files.sorted { $0.id < $1.id }
    }
}

/// Saves each file's bytes (in pieces) and mode in the bank; restores folders and files
/// under a target directory (or where they were); delete removes what it saved.
struct DemoProtection: ProtectionPlugin {
    static let name = "bulwark-demo-protection"
    static let resourceTypes = ["Demo::Folder", "Demo::File"]
    static let schemas: [String: ResourceSchemas] = [
        "*": ResourceSchemas(
            options: ["type": "object", "properties": ["chunk_kib": ["type": "integer", "minimum": 4, "maximum": 65536]],
                      "additionalProperties": false],
            restore: ["type": "object",
                      "properties": ["target": ["type": "string", "minLength": 1,
                                                "description": "Directory to restore folders into (default: where they were)."]],
                      "additionalProperties": false],
            savedInfo: ["type": "object", "properties": ["size": ["type": "integer"], "mode": ["type": "integer"]]])
    ]
    static let operations: [OperationKind: Set<Hook>] = [
        .protect: [.main], .restore: [.prepareBegin, .main], .delete: [.main],
    ]

    init(configuration: JSON, context: borrowing PluginContext) throws {}

    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws {
        let resource = input.resource
        switch (operation, hook, resource.type) {
        case (.protect, .main, "Demo::File"):
            try protectFile(resource.id, chunk: (input.parameters["chunk_kib"]?.numberValue?.intValue ?? 256) * 1024, context: context)
        case (.protect, .main, _):
            try context.put("meta.json", json: ["path": .string(resource.id)])
        case (.restore, .prepareBegin, "Demo::Folder"):
            // Folders first (a parent's begin precedes its children's): make the directory
            // and publish where it is, for the files.
            // The name comes from the checkpoint: it is confined to the target.
            let target = try input.parameters["target"]?.stringValue.map { (root: String) throws(PluginError) in try SafePath.join(root, resource.name) } ?? resource.id
            try makeDirectories(target)
            try context.setNewResource(resource.id, target)
        case (.restore, .main, "Demo::File"):
            let folder = String(resource.id[..<(resource.id.lastIndex(of: "/") ?? resource.id.startIndex)])
            guard let newFolder = try context.newResource(folder) else {
                throw PluginError.failed("the folder of \(resource.id) was not restored")
            }
            let target = try SafePath.join(newFolder, resource.name)
            try restoreFile(to: target, context: context)
            try context.setNewResource(resource.id, target)
        case (.delete, .main, _):
            for key in try context.list() { try context.delete(key) }
        default:
            break
        }
    }

    private func protectFile(_ path: String, chunk: Int, context: borrowing PluginContext) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginError.failed("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        var buffer = [UInt8](repeating: 0, count: chunk)
        var size = 0
        // The size is known up front, so the bank may send the content as one request; a
        // file that changes size while it is read fails the write (the host holds the
        // bank to the declared size) instead of saving a torn copy silently.
        try context.write("content", size: UInt64(st.st_size)) { (append) throws(PluginError) in
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw PluginError.failed("cannot read \(path): \(String(cString: strerror(errno)))") }
                if n == 0 { break }
                size += n
                try buffer.withUnsafeBytes { b in Result { () throws(PluginError) in try append(UnsafeRawBufferPointer(rebasing: b[0..<n])) } }.get()
                try context.checkCancellation()
            }
        }
        try context.put("meta.json", json: ["path": .string(path), "size": .number(JSONNumber(size)), "mode": .number(JSONNumber(Int(st.st_mode & 0o7777)))])
    }

    /// Write the file unnamed (O_TMPFILE) and give it its name only once it is complete
    /// and on disk, so a restore killed half-way leaves nothing behind in the target. On
    /// a file system without O_TMPFILE it is written as `<name>.restoring` and renamed.
    private func restoreFile(to target: String, context: borrowing PluginContext) throws {
        guard let meta = try context.getJSON("meta.json") else { throw PluginError.failed("nothing saved for this file") }
        let size = UInt64(meta["size"]?.numberValue?.intValue ?? 0)
        let mode = mode_t(meta["mode"]?.numberValue?.intValue ?? 0o644)
        let directory = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
        let temporary = target + ".restoring"
        var unnamed = true
        var fd = open(directory.isEmpty ? "." : directory, Self.tmpfile | O_WRONLY | O_CLOEXEC, mode)
        if fd < 0 {
            unnamed = false
            fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        }
        guard fd >= 0 else { throw PluginError.failed("cannot create \(target): \(String(cString: strerror(errno)))") }
        var offset: UInt64 = 0
        let piece: UInt64 = 1 << 20
        do {
            repeat {
                guard let bytes = try context.get("content", offset: offset, length: piece) else {
                    throw PluginError.failed("the saved content is missing")
                }
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written == bytes.count else { throw PluginError.failed("cannot write \(target): \(String(cString: strerror(errno)))") }
                offset += UInt64(bytes.count)
                if bytes.isEmpty { break }
                try context.checkCancellation()
            } while offset < size
            guard fsync(fd) == 0, fchmod(fd, mode) == 0 else { throw PluginError.failed("cannot finish \(target): \(String(cString: strerror(errno)))") }
            if unnamed {
                // A name for the finished file, then the real one (linkat cannot replace).
                unlink(temporary)
                guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                    throw PluginError.failed("cannot finish \(target): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            close(fd)
            if !unnamed { unlink(temporary) }
            throw error
        }
        guard close(fd) == 0, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PluginError.failed("cannot finish \(target): \(reason)")
        }
    }

    /// Linux's O_TMPFILE (`__O_TMPFILE | O_DIRECTORY`), which Glibc's module does not export.
    static let tmpfile: Int32 = 0o20000000 | O_DIRECTORY

    private func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw PluginError.failed("cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-demo", version: "1.0.0", protectables: [DemoFolder.self, DemoFile.self],
                  protections: [DemoProtection.self]).export(call, host, out)
}
