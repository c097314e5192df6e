import BulwarkJSON

/// The text of the first <tag> in `text`.
func xmlText(_ text: String, _ tag: String) -> String? {
    guard let start = text.firstRange(of: "<\(tag)>"), let end = text[start.upperBound...].firstRange(of: "</\(tag)>") else { return nil }
    return String(text[start.upperBound..<end.lowerBound])
}

/// A failed HTTP exchange, described so a person can act on it: the method, the URL
/// without credentials, and either the transport error or the status with the server's
/// own message. Never contains a token, password or key.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error status.
        case status(Int)
        /// No usable answer: connection refused, reset, timed out, TLS failure...
        case transport(code: Int32)
    }

    public var kind: Kind
    public var method: String
    /// The URL with user information and secret-looking query values removed.
    public var url: String
    public var message: String
    /// How many attempts were made.
    public var attempts: Int

    public init(kind: Kind, method: String, url: String, message: String, attempts: Int) {
        self.kind = kind
        self.method = method
        self.url = url
        self.message = message
        self.attempts = attempts
    }

    public var status: Int? { if case .status(let s) = kind { return s }; return nil }

    public var description: String {
        let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
        switch kind {
        case .status(let s): return "\(method) \(url): HTTP \(s)\(message.isEmpty ? "" : ": \(message)")\(tries)"
        case .transport: return "\(method) \(url): \(message)\(tries)"
        }
    }

    /// The URL as it may be shown: no `user:password@`, and the values of query parameters
    /// that look secret (token, password, secret, signature, key, credential) replaced.
    public static func redact(_ url: String) -> String {
        var result = url
        if let schemeEnd = result.firstRange(of: "://")?.upperBound {
            let rest = result[schemeEnd...]
            let authorityEnd: String.Index = rest.firstIndex { (c: Character) -> Bool in c == "/" || c == "?" || c == "#" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result.removeSubrange(schemeEnd...at)
            }
        }
        guard let q = result.firstIndex(of: "?") else { return result }
        let base = result[..<q]
        let query = result[result.index(after: q)...]
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let kv = part.split(separator: "=", maxSplits: 1)
            let name = kv.first.map(String.init) ?? ""
            let secret = ["token", "password", "secret", "signature", "key", "credential"].contains { name.lowercased().contains($0) }
            return secret && kv.count == 2 ? name + "=REDACTED" : String(part)
        }
        return base + "?" + parts.joined(separator: "&")
    }

    /// The server's message from an error body: `{"message": ...}`, `{"error": {"message"}}`,
    /// OpenStack's `{"<kind>": {"message": ...}}`, Kubernetes' Status `message`, or the
    /// first 300 characters of text.
    static func serverMessage(_ body: [UInt8]) -> String {
        if let json = try? JSON.parse(bytes: body.prefix(256 * 1024)), case .object(let o) = json {
            if let m = o["message"]?.stringValue { return m }
            for (_, value) in o {
                if let m = value["message"]?.stringValue { return m }
            }
            if let e = o["error"]?.stringValue { return e }
        }
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        // S3 (and Swift's S3 API): <Error><Code>...</Code><Message>...</Message></Error>.
        if text.contains("<Error>"), let code = xmlText(text, "Code") {
            return xmlText(text, "Message").map { "\(code): \($0)" } ?? code
        }
        let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        let shown = String(trimmed)
        return shown.count > 300 ? String(shown.prefix(300)) + "..." : shown
    }
}
