import BulwarkJSON
import BulwarkSchema
import Hummingbird
import NIOCore

/// Reads and checks a request's JSON body: the media type (415), the size (413), the
/// syntax (400 with line and column) and the shape, against the route's JSON Schema (400
/// naming the field). Nothing reaches a handler unchecked.
struct RequestBody {
    let limit: Int

    func json(_ request: Request, schema: JSONSchema, what: String) async throws -> JSON {
        if let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" || media.hasSuffix("+json") else {
                throw Fault(.unsupportedMediaType, "the body must be application/json, not \(media)")
            }
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Fault(.contentTooLarge, "the request body is \(length) bytes; at most \(limit) are accepted (limits.request_body_bytes)")
        }
        var body = request.body
        var buffer = ByteBuffer()
        for try await var part in body {
            guard buffer.readableBytes + part.readableBytes <= limit else {
                throw Fault(.contentTooLarge, "the request body is over \(limit) bytes (limits.request_body_bytes)")
            }
            buffer.writeBuffer(&part)
        }
        _ = body
        guard buffer.readableBytes > 0 else { throw Fault.badRequest("the request needs a JSON body: \(what)") }
        let json: JSON
        do {
            json = try buffer.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSON.parse(bytes: bytes) }
        } catch {
            throw Fault.badRequest("the body is not valid JSON: \(error)")
        }
        let result = schema.validate(json)
        if !result.errors.isEmpty {
            let shown = result.errors.prefix(5).map(\.description).joined(separator: "; ")
            throw Fault.badRequest("invalid \(what): \(shown)")
        }
        return json
    }
}
