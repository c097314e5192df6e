#if canImport(Glibc)
import Glibc
#endif

/// Reads files that other files name (`$ref`s, provider and plan files, kubeconfig,
/// clouds.yaml, token and CA files): only regular files, of bounded size, so that a FIFO,
/// a device (`/dev/zero`), a directory or a huge file is a named refusal instead of a
/// read that blocks, never ends or fills memory.
public enum RegularFile {
    /// The limit unless a caller names another: 16 MiB.
    public static let defaultLimit = 16 << 20

    /// Why a file was not read; `description` completes "cannot read PATH: ...".
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// No such file (ENOENT, or a path through something not a directory).
        case missing
        case directory
        case fifo
        case socket
        case device
        /// Larger than the limit.
        case tooLarge(size: Int, limit: Int)
        /// Not the regular file of the check once opened (swapped in between).
        case changed
        /// What the system said (strerror).
        case system(String)

        public var description: String {
            switch self {
            case .missing: "no such file"
            case .directory: "it is a directory"
            case .fifo: "it is a FIFO (named pipe), not a regular file"
            case .socket: "it is a socket, not a regular file"
            case .device: "it is a device, not a regular file"
            case .tooLarge(let size, let limit): "it is \(size) bytes; at most \(limit) are read"
            case .changed: "it changed while it was opened"
            case .system(let reason): reason
            }
        }
    }

    /// The bytes of the regular file at `path`, of at most `limit` bytes.
    public static func read(_ path: String, limit: Int = defaultLimit) throws(Refusal) -> [UInt8] {
        func reason() -> String { String(cString: strerror(errno)) }
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .missing }
            throw .system(reason())
        }
        try check(st, limit: limit)
        // O_NONBLOCK: should a FIFO be swapped in after the check, opening it does not wait.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .system(reason()) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw .changed }
        try check(st, limit: limit)
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw .system(reason()) }
            if n == 0 { break }
            done += n
        }
        bytes.removeLast(bytes.count - done)
        return bytes
    }

    /// The file's text, when it is UTF-8 (invalid sequences are replaced); see `read`.
    public static func text(_ path: String, limit: Int = defaultLimit) throws(Refusal) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    private static func check(_ st: stat, limit: Int) throws(Refusal) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .directory
        case S_IFIFO: throw .fifo
        case S_IFSOCK: throw .socket
        default: throw .device
        }
        guard st.st_size <= limit else { throw .tooLarge(size: Int(st.st_size), limit: limit) }
    }
}
