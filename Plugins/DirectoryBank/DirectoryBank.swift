import BulwarkPluginKit
import Glibc

/// A bank in a local directory: each object is a file, written to a temporary file,
/// fsynced, renamed into place and its directory fsynced, so an object is either whole or
/// absent after a crash.
///
/// Key `/a/b/c` is stored as `<root>/a/b/c~`: the `~` suffix (a character keys may not
/// contain) keeps an object `/a/b` and the objects under `/a/b/` apart. A key part longer
/// than a file name may be (a resource's id, hex-encoded) goes down in pieces of at most
/// 200 bytes, each but the last ending in `+` (another character keys never contain):
/// `<root>/a/<200 bytes>+/<rest>~`. Leases are JSON files under `<root>/~leases/`,
/// changed under an exclusive `flock`.
struct DirectoryBank: BankPlugin {
    static let name = "bulwark-directory-bank"
    static let aliases = ["directory"]
    static let configSchema: JSON? = [
        "type": "object",
        "properties": ["path": ["type": "string", "minLength": 1, "description": "The bank's root directory; created when missing."]],
        "required": ["path"],
        "additionalProperties": false,
    ]

    let root: String

    init(configuration: JSON, context: borrowing PluginContext) throws {
        guard let path = configuration["path"]?.stringValue else { throw PluginError.invalidArgument("option \"path\" is required") }
        root = path.hasSuffix("/") ? String(path.dropLast()) : path
        try Files.makeDirectories(root)
        try Files.makeDirectories(root + "/~leases")
    }

    func file(_ key: String) -> String { root + Files.treePath(key) + "~" }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws {
        let writer = try DirectoryObjectWriter(path: file(key))
        do {
            try writer.append(bytes)
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    func openWriter(_ key: String) throws -> any BankObjectWriter { try DirectoryObjectWriter(path: file(key)) }

    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        let fd = open(file(key), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw PluginError.notFound("no object \(key)") }
            throw Files.error("open", key)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Files.error("stat", key) }
        let size = UInt64(st.st_size)
        let start = min(offset, size)
        let end = length == 0 ? size : min(size, start + length)
        var out = [UInt8](repeating: 0, count: Int(end - start))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(start) + off_t(done)) }
            if n < 0 { if errno == EINTR { continue }; throw Files.error("read", key) }
            if n == 0 { break }
            done += n
        }
        return Array(out.prefix(done))
    }

    func size(_ key: String) throws -> UInt64 {
        var st = stat()
        guard stat(file(key), &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw PluginError.notFound("no object \(key)") }
            throw Files.error("stat", key)
        }
        return UInt64(st.st_size)
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        // Walk only the directory the prefix names (its part up to the last "/").
        let slash = prefix.lastIndex(of: "/").map { prefix[...$0] } ?? "/"
        var keys: [String] = []
        Files.walk(root + Files.treePath(String(slash.dropLast())), keyPrefix: String(slash.dropLast())) { key in
            if key.hasPrefix(prefix) { keys.append(key) }
        }
        keys.sort()
        if descending { keys.reverse() }
        if let marker {
            keys = keys.filter { descending ? $0 < marker : $0 > marker }
        }
        return limit > 0 ? Array(keys.prefix(limit)) : keys
    }

    func delete(_ key: String) throws {
        if unlink(file(key)) != 0, errno != ENOENT, errno != ENOTDIR { throw Files.error("delete", key) }
        // Remove directories the deletion left empty, up to the root.
        var dir = file(key)
        while let slash = dir.lastIndex(of: "/"), dir.count > root.count {
            dir = String(dir[..<slash])
            if dir.count <= root.count || rmdir(dir) != 0 { break }
        }
    }

    // MARK: Leases

    /// A released lease's file is removed (each run has a lease of its own, so they would
    /// pile up). A process that locked the file just as another removed it sees that the
    /// path no longer names its file and opens it again.
    private func withLease<R>(_ name: String, _ body: (inout LeaseInfo?) throws -> R) throws -> R {
        let path = root + "/~leases/" + name
        var fd: Int32 = -1
        while true {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Files.error("open lease", name) }
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw Files.error("lock lease", name) }
            }
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev { break }
            flock(fd, LOCK_UN)
            close(fd)
        }
        defer { close(fd) }
        defer { flock(fd, LOCK_UN) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        var info = n > 0 ? (try? JSON.parse(bytes: bytes.prefix(n))).flatMap(LeaseInfo.init(json:)) : nil
        let before = info
        let result = try body(&info)
        if info == nil {
            // Released, or never held (a check opens the file too): remove it while locked.
            guard unlink(path) == 0 || errno == ENOENT else { throw Files.error("remove lease", name) }
        } else if info != before {
            let text = info.map { $0.json.serializedBytes() } ?? []
            guard ftruncate(fd, 0) == 0 else { throw Files.error("write lease", name) }
            let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            guard written == text.count, fsync(fd) == 0 else { throw Files.error("write lease", name) }
        }
        return result
    }

    func acquireLease(_ name: String, owner: String, ttl: UInt32) throws {
        try takeLease(name, owner: owner, ttl: ttl, renew: false)
    }

    func renewLease(_ name: String, owner: String, ttl: UInt32) throws {
        try takeLease(name, owner: owner, ttl: ttl, renew: true)
    }

    private func takeLease(_ name: String, owner: String, ttl: UInt32, renew: Bool) throws {
        try withLease(name) { info in
            info = try LeaseInfo.granting(name, held: info, to: owner, ttl: ttl, renew: renew)
        }
    }

    func checkLease(_ name: String) throws -> LeaseInfo? {
        guard access(root + "/~leases/" + name, F_OK) == 0 else { return nil }
        return try withLease(name) { $0 }
    }

    func releaseLease(_ name: String, owner: String) throws {
        try withLease(name) { info in
            if info?.owner == owner { info = nil }
        }
    }
}

/// Appends go to `<file>~tmp-<random>`; commit fsyncs it, renames it over the object and
/// fsyncs the directory.
final class DirectoryObjectWriter: BankObjectWriter, @unchecked Sendable {
    let path: String
    let temporary: String
    var fd: Int32

    init(path: String) throws {
        self.path = path
        var random = SystemRandomNumberGenerator()
        temporary = path + "tmp-" + String(random.next(), radix: 36)
        try Files.makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Files.error("create", path) }
    }

    deinit { if fd >= 0 { close(fd); unlink(temporary) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { if errno == EINTR { continue }; throw Files.error("write", path) }
            done += n
        }
    }

    func commit() throws {
        guard fsync(fd) == 0 else { throw Files.error("fsync", path) }
        close(fd)
        fd = -1
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Files.error("rename", path)
        }
        try Files.syncDirectory(String(path[..<path.lastIndex(of: "/")!]))
    }

    func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary)
    }
}

enum Files {
    static func error(_ what: String, _ subject: String) -> PluginError {
        .failed("cannot \(what) \(subject): \(String(cString: strerror(errno)))")
    }

    static func makeDirectories(_ path: String) throws {
        var current = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += (current.isEmpty && !path.hasPrefix("/") ? "" : "/") + part
            if mkdir(current, 0o755) != 0, errno != EEXIST { throw error("create directory", current) }
        }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync directory", path) }
    }

    /// The longest piece of a key part kept as one file name: NAME_MAX (255) less room
    /// for the `~` suffix and a writer's `tmp-<random>`.
    static let partLimit = 200

    /// `key`'s path below the root, its long parts cut into pieces (see ``DirectoryBank``).
    static func treePath(_ key: String) -> String {
        guard key.utf8.count > partLimit else { return key }  // no part can be longer than the key
        return key.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            var bytes = Array(part.utf8)[...]
            var pieces: [String] = []
            while bytes.count > partLimit {
                pieces.append(String(decoding: bytes.prefix(partLimit), as: UTF8.self) + "+")
                bytes = bytes.dropFirst(partLimit)
            }
            pieces.append(String(decoding: bytes, as: UTF8.self))
            return pieces.joined(separator: "/")
        }.joined(separator: "/")
    }

    /// Call `found` with the key of every object file below `directory`; `joiner` goes
    /// between `keyPrefix` and a name ("" inside a long part's pieces).
    static func walk(_ directory: String, keyPrefix: String, joiner: String = "/", _ found: (String) -> Void) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." || name == "~leases" { continue }
            let path = directory + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) {
                if name.hasSuffix("+") {
                    walk(path, keyPrefix: keyPrefix + joiner + name.dropLast(), joiner: "", found)
                } else {
                    walk(path, keyPrefix: keyPrefix + joiner + name, found)
                }
            } else if name.hasSuffix("~") {
                found(keyPrefix + joiner + name.dropLast())
            }
        }
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-directory-bank", version: "1.0.0", banks: [DirectoryBank.self]).export(call, host, out)
}
