/// An HTTP request. Bodies are bytes; a large upload can instead be streamed from a
/// reader (`bodyReader`) that fills the buffer it is given and returns how much it wrote.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Called repeatedly for the next bytes of an upload of `bodyLength` bytes; returns
    /// the number of bytes written (0 at the end). Retried requests must not use it.
    public var bodyReader: (@Sendable (UnsafeMutableRawBufferPointer) -> Int)?
    public var bodyLength: Int?
    /// Safe to send again (GET, HEAD, PUT, DELETE... by default): retried on connection
    /// errors, 429 and 5xx.
    public var idempotent: Bool

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

    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.last { $0.0 == n }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}
