/// An HTTP request. Bodies are bytes; a large upload can instead be streamed from a
/// reader (`bodyReader`) that fills the buffer it is given and returns how much it wrote.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Called repeatedly for the next bytes of an upload of `bodyLength` bytes; returns
    /// the number of bytes written (0 at the end). Without `bodyLength` the upload is
    /// sent with chunked transfer encoding.
    public var bodyReader: (@Sendable (UnsafeMutableRawBufferPointer) -> Int)?
    public var bodyLength: Int?
    /// Puts a streamed body back to its first byte and returns true, or returns false when
    /// it cannot start again. A streamed request is retried only when this is set.
    public var bodyRewind: (@Sendable () -> Bool)?
    /// Safe to send again (GET, HEAD, PUT, DELETE... by default): retried on connection
    /// errors, 429 and 5xx.
    public var idempotent: Bool
    /// Send `Expect: 100-continue` and hold the body until the server asks for it (or a
    /// second has passed), so a refusal (401, 413, 503) costs no upload. Off by default:
    /// it costs a round trip, worth it only for a body that cannot be sent twice.
    public var expectContinue = false

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                idempotent: Bool? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// An HTTP response, its body read whole (or handed to a sink; then `body` is empty).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Names lower-cased.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        (self.status, self.headers, self.body) = (status, headers, body)
    }

    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.last { $0.0 == n }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPRequest {
    /// The `Range` header asking for `length` bytes from `offset` (0: to the end), or nil
    /// for the whole body. A server answers 416 when `offset` is at or past the end.
    public static func byteRange(offset: UInt64, length: UInt64) -> (String, String)? {
        if offset == 0 && length == 0 { return nil }
        return ("Range", length == 0 ? "bytes=\(offset)-" : "bytes=\(offset)-\(offset + length - 1)")
    }
}
