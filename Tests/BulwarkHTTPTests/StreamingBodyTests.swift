import BulwarkHTTP
import BulwarkJSON
import BulwarkSigV4
import Foundation
import Testing

/// Uploads whose body is filled by one thread while libcurl sends it, against a real
/// server on 127.0.0.1.
@Suite struct StreamingBodyTests {
    let server: TestServer
    let client = HTTPClient(retry: RetryPolicy(attempts: 3, initialDelay: 0.05), connectTimeout: 2, timeout: 20)

    init() throws { server = try TestServer() }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) } }

    /// Fill `body` from another thread in uneven pieces, with pauses the sender must wait out.
    static func fill(_ body: StreamingBody, with bytes: [UInt8]) -> Thread {
        let thread = Thread {
            var offset = 0
            var piece = 1
            while offset < bytes.count {
                let n = min(piece, bytes.count - offset)
                bytes.withUnsafeBytes { all in
                    _ = body.append(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)]))
                }
                offset += n
                piece = piece * 3 + 11
                if piece % 5 == 0 { usleep(2_000) }
            }
            body.finish()
        }
        thread.start()
        return thread
    }

    @Test func chunkedUploadWhileTheBodyIsFilled() throws {
        let bytes = Self.pattern(5 << 20 + 123)
        let body = StreamingBody(capacity: bytes.count)
        var request = HTTPRequest(method: "PUT", url: server.url("/echo"))
        request.streaming(body)
        _ = Self.fill(body, with: bytes)
        let json = try JSON.parse(bytes: try client.send(request).body)
        #expect(json["length"] == .number(JSONNumber(bytes.count)))
        #expect(json["sha256"] == .string(hex(SHA256.hash(bytes))))
        #expect(json["headers"]?["Transfer-Encoding"] == "chunked")
        #expect(body.count == bytes.count)
    }

    @Test func retryAfterAServerErrorSendsTheWholeBodyAgain() throws {
        let bytes = Self.pattern(3 << 20)
        let body = StreamingBody(capacity: bytes.count)
        var request = HTTPRequest(method: "PUT", url: server.url("/flaky/\(UUID().uuidString)?fail=2&code=503"))
        request.streaming(body)
        _ = Self.fill(body, with: bytes)
        let json = try JSON.parse(bytes: try client.send(request).body)
        #expect(json["attempt"] == 3)
        #expect(json["length"] == .number(JSONNumber(bytes.count)), "the third attempt carried every byte, from the first")
        #expect(json["sha256"] == .string(hex(SHA256.hash(bytes))))
    }

    @Test func cancellingTheBodyAbortsTheUploadWithoutRetry() throws {
        let body = StreamingBody(capacity: 1 << 20)
        _ = Array(repeating: UInt8(1), count: 1000).withUnsafeBytes { body.append($0) }
        var request = HTTPRequest(method: "PUT", url: server.url("/echo"))
        request.streaming(body)
        let canceller = Thread {
            usleep(200_000)  // the sender is waiting for more bytes by now
            body.cancel()
        }
        canceller.start()
        do {
            _ = try client.send(request)
            Issue.record("expected the cancelled upload to fail")
        } catch {
            #expect(error.attempts == 1)
            #expect(error.description.contains("PUT \(server.url("/echo"))"))
        }
    }

    @Test func appendTakesOnlyWhatFits() {
        let body = StreamingBody(capacity: 10)
        let taken = Array(repeating: UInt8(9), count: 25).withUnsafeBytes { body.append($0) }
        #expect(taken == 10)
        #expect(body.remaining == 0)
        body.reset()
        #expect(body.count == 0 && body.remaining == 10)
    }
}
