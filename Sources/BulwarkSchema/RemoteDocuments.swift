import BulwarkJSON
#if canImport(Glibc)
import Glibc
#endif

/// Reads referenced documents from disk, never from the network: `file:` URIs, and
/// `http(s):` URIs mapped into a remotes directory by their path.
enum RemoteDocuments {
    static func load(_ uri: String, remotesDirectory: String?) -> JSON? {
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
        guard let bytes = readFile(path) else { return nil }
        return try? JSON.parse(bytes: bytes)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
        }
        return ferror(f) == 0 ? bytes : nil
    }
}
