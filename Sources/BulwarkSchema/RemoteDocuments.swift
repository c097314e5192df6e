import BulwarkFiles
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
        do {
            return try RegularFile.read(path, limit: sizeLimit)
        } catch {
            let why: String
            switch error {
            case .missing: return nil
            case .tooLarge(let size, _): why = "it is \(size) bytes; referenced documents may have at most \(sizeLimit) (16 MiB)"
            default: why = error.description
            }
            throw SchemaError(location: "", message: "cannot read the document \(uri) (\(path)): \(why)")
        }
    }
}
