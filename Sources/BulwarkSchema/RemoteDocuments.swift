import BulwarkJSON
#if canImport(Glibc)
import Glibc
#endif

/// Reads referenced documents from disk, never from the network: `file:` URIs, and
/// `http(s):` URIs mapped into a remotes directory by their path.
enum RemoteDocuments {
    /// nil when there is no such document; an error when there is one that cannot be used.
    static func load(_ uri: String, remotesDirectory: String?) throws(SchemaError) -> JSON? {
        let reference = URIReference(uri)
        let path: String
        switch reference.scheme {
        case "file":
            path = reference.path.percentDecoded
        case "http", "https":
            guard let remotesDirectory else { return nil }
            let relative = reference.path.percentDecoded
            guard !relative.split(separator: "/").contains("..") else { return nil }
            path = remotesDirectory + (relative.hasPrefix("/") ? "" : "/") + relative
        default:
            return nil
        }
        guard let bytes = try readFile(path, uri: uri) else { return nil }
        do { return try JSON.parse(bytes: bytes) } catch {
            throw SchemaError(location: "", message: "the document \(uri) is not valid JSON: \(error)")
        }
    }

    /// Referenced documents larger than this are refused rather than read.
    static let sizeLimit = 16 << 20

    /// The bytes of a regular file of at most ``sizeLimit`` bytes; nil when there is no
    /// such file. A FIFO, a device or a directory would block or never end: each is a
    /// named error, as is a file too large.
    static func readFile(_ path: String, uri: String) throws(SchemaError) -> [UInt8]? {
        func refuse(_ why: String) -> SchemaError { SchemaError(location: "", message: "cannot read the document \(uri) (\(path)): \(why)") }
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw refuse(String(cString: strerror(errno)))
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw refuse("it is a directory")
        case S_IFIFO: throw refuse("it is a FIFO (named pipe), not a regular file")
        default: throw refuse("it is a device or socket, not a regular file")
        }
        guard st.st_size <= sizeLimit else { throw refuse("it is \(st.st_size) bytes; referenced documents may have at most \(sizeLimit) (16 MiB)") }
        // O_NONBLOCK: a FIFO swapped in after the check does not make open wait.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw refuse(String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= sizeLimit else { throw refuse("it changed while it was opened") }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw refuse(String(cString: strerror(errno))) }
            if n == 0 { break }
            done += n
        }
        return Array(bytes.prefix(done))
    }
}
