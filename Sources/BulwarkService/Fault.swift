import BulwarkJSON
import Hummingbird
import NIOCore

/// An error answer in Karbor's shape: `{"<fault>": {"code": N, "message": "..."}}`.
/// Every client mistake becomes one of these, with its 4xx status; anything else that
/// reaches ``FaultMiddleware`` is a bug, answered 500 `computeFault` with the request id.
struct Fault: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ message: String) -> Fault { Fault(.badRequest, message) }
    static func notFound(_ message: String) -> Fault { Fault(.notFound, message) }
    static func forbidden(_ message: String) -> Fault { Fault(.forbidden, message) }
    static func unauthorized(_ message: String = "The request you have made requires authentication.") -> Fault {
        Fault(.unauthorized, message)
    }
    static func conflict(_ message: String) -> Fault { Fault(.conflict, message) }
    /// 424: what was asked needs something else gone first (a trigger still in use).
    static func failedDependency(_ message: String) -> Fault {
        Fault(HTTPResponse.Status(code: 424, reasonPhrase: "Failed Dependency"), message)
    }

    /// Karbor's (and nova's) name for each status.
    var name: String {
        switch status.code {
        case 400: "badRequest"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "itemNotFound"
        case 405: "badMethod"
        case 409: "conflictingRequest"
        case 413: "overLimit"
        case 415: "badMediaType"
        case 424: "failedDependency"
        case 501: "notImplemented"
        case 503: "serviceUnavailable"
        default: "computeFault"
        }
    }

    var description: String { "\(status.code) \(name): \(message)" }

    var body: JSON {
        .object(JSONObject([(name, .object(JSONObject([("code", .number(JSONNumber(status.code))), ("message", .string(message))])))]))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(body, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Keystone uri=\"\""  }
        return response
    }
}

/// JSON answers.
enum JSONResponse {
    static func make(_ json: JSON, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = json.serializedBytes()
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }

    /// `{"<key>": value}`: Karbor's wrapper, which the client needs on every answer.
    static func wrapped(_ key: String, _ value: JSON) -> Response {
        make(.object(JSONObject([(key, value)])))
    }
}
