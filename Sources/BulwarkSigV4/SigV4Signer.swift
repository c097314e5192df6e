/// AWS Signature Version 4 for request headers (the `Authorization` header form).
///
/// S3 rules by default: the path is encoded once and not normalised. `normalizePath`
/// gives the other services' rule (remove `.`/`..` segments and repeated slashes).
public struct SigV4Signer: Sendable {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// What signing produced, each step kept for tests and for debugging a 403.
    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Headers to add to the request: X-Amz-Date, the payload hash when signed,
        /// the session token when there is one, and Authorization.
        public var headers: [(String, String)]
    }

    /// Sign. `headers` must include Host. `payloadHash` is the hex SHA-256 of the body,
    /// "UNSIGNED-PAYLOAD", or nil to use the empty body's hash without sending the header.
    /// `date` is "YYYYMMDDTHHMMSSZ".
    /// `signSessionToken` false adds the token header after signing (some services want
    /// that; S3 signs it).
    public func sign(method: String, path: String, query: String, headers: [(String, String)], payloadHash: String?,
                     addContentHashHeader: Bool, date: String, normalizePath: Bool = false, signSessionToken: Bool = true) -> Signed {
        var all = headers
        all.append(("X-Amz-Date", date))
        if addContentHashHeader, let payloadHash { all.append(("X-Amz-Content-Sha256", payloadHash)) }
        if let sessionToken, signSessionToken { all.append(("X-Amz-Security-Token", sessionToken)) }
        // Canonical headers: lower-case names, trimmed values with inner runs of spaces
        // folded, repeated names joined with commas, sorted by name.
        var grouped: [String: [String]] = [:]
        var order: [String] = []
        for (name, value) in all {
            let n = name.lowercased()
            if grouped[n] == nil { order.append(n) }
            grouped[n, default: []].append(Self.foldSpaces(value))
        }
        let names = order.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalPath = Self.canonicalPath(path, normalize: normalizePath)
        let canonicalQuery = Self.canonicalQuery(query)
        let hash = payloadHash ?? hex(SHA256.hash([]))
        let canonicalRequest = [method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, hash].joined(separator: "\n")
        let day = String(date.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", date, scope, hex(SHA256.hash(Array(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SHA256.hmac(key: Array(("AWS4" + secretKey).utf8), message: Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = SHA256.hmac(key: key, message: Array(part.utf8)) }
        let signature = hex(SHA256.hmac(key: key, message: Array(stringToSign.utf8)))
        var added = all.filter { name, _ in ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"].contains(name.lowercased()) }
        if let sessionToken, !signSessionToken { added.append(("X-Amz-Security-Token", sessionToken)) }
        added.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                      headers: added.filter { name, _ in !headers.contains { $0.0.lowercased() == name.lowercased() } })
    }

    static func foldSpaces(_ value: String) -> String {
        var out = ""
        var space = false
        for c in value.trimmingSpaces() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                space = true
            } else {
                if space, !out.isEmpty { out.append(" ") }
                space = false
                out.append(c)
            }
        }
        return out
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters (and "/" in paths).
    public static func encode(_ s: String, keepSlash: Bool) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(b)))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let u = s.utf8
        while i < u.endIndex {
            let b = u[i]
            if b == UInt8(ascii: "%"), let j = u.index(i, offsetBy: 2, limitedBy: u.endIndex), j < u.endIndex,
               let v = UInt8(String(decoding: u[u.index(after: i)...j], as: UTF8.self), radix: 16) {
                bytes.append(v)
                i = u.index(after: j)
            } else {
                bytes.append(b)
                i = u.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func canonicalPath(_ path: String, normalize: Bool) -> String {
        var p = path.isEmpty ? "/" : path
        if normalize {
            var out: [Substring] = []
            for segment in p.split(separator: "/", omittingEmptySubsequences: true) {
                if segment == "." { continue }
                if segment == ".." { if !out.isEmpty { out.removeLast() }; continue }
                out.append(segment)
            }
            p = "/" + out.joined(separator: "/") + (p.hasSuffix("/") && !out.isEmpty ? "/" : "")
        }
        // The path arrives encoded or not; encode its decoded form once.
        return encode(decode(Substring(p)), keepSlash: true)
    }

    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { part -> (String, String) in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (encode(decode(kv[0]), keepSlash: false), kv.count > 1 ? encode(decode(kv[1]), keepSlash: false) : "")
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}

extension String {
    func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        var s = Substring(self)
        while let f = s.first, isSpace(f) { s = s.dropFirst() }
        while let l = s.last, isSpace(l) { s = s.dropLast() }
        return s
    }
}

/// The SigV4 date form, "YYYYMMDDTHHMMSSZ", of a Unix time.
public func amzDate(_ unix: Double) -> String {
    var t = Int(unix)
    let seconds = t % 60; t /= 60
    let minutes = t % 60; t /= 60
    let hours = t % 24
    var days = Int(unix) / 86_400
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    days += 719_468
    let era = (days >= 0 ? days : days - 146_096) / 146_097
    let doe = days - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    var y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    if m <= 2 { y += 1 }
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(y)\(two(m))\(two(d))T\(two(hours))\(two(minutes))\(two(seconds))Z"
}
