@testable import BulwarkHTTP
import BulwarkJSON
import BulwarkSigV4
import Foundation
import Synchronization
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

    @Test func windowedBodyIsSentWithItsLengthThroughASmallWindow() throws {
        let bytes = Self.pattern(5 << 20 + 321)
        let body = StreamingBody(length: bytes.count, window: 256 << 10)
        #expect(body.capacity == 256 << 10)
        var request = HTTPRequest(method: "PUT", url: server.url("/echo"))
        request.streaming(body)
        #expect(request.bodyLength == bytes.count)
        let filler = Self.fill(body, with: bytes)
        let json = try JSON.parse(bytes: try client.send(request).body)
        #expect(json["length"] == .number(JSONNumber(bytes.count)))
        #expect(json["sha256"] == .string(hex(SHA256.hash(bytes))), "every byte arrived in order through the ring")
        #expect(json["headers"]?["Content-Length"] == .string(String(bytes.count)))
        #expect(json["headers"]?["Transfer-Encoding"] == nil)
        while filler.isExecuting { usleep(1_000) }
        #expect(body.count == bytes.count)
    }

    @Test func windowedBodyIsRetriedWhileItStillHoldsItsStart() throws {
        let bytes = Self.pattern(1 << 20)
        let body = StreamingBody(length: bytes.count, window: 2 << 20)
        var request = HTTPRequest(method: "PUT", url: server.url("/flaky/\(UUID().uuidString)?fail=1&code=503"))
        request.streaming(body)
        _ = Self.fill(body, with: bytes)
        let json = try JSON.parse(bytes: try client.send(request).body)
        #expect(json["attempt"] == 2)
        #expect(json["sha256"] == .string(hex(SHA256.hash(bytes))))
    }

    @Test func windowedBodyPastItsWindowFailsWithTheServersErrorAndReleasesTheProducer() throws {
        let bytes = Self.pattern(3 << 20)
        let body = StreamingBody(length: bytes.count, window: 256 << 10)
        var request = HTTPRequest(method: "PUT", url: server.url("/flaky/\(UUID().uuidString)?fail=1&code=503"))
        request.streaming(body)
        let taken = Mutex(-1)
        let producer = Thread {
            let n = bytes.withUnsafeBytes { body.append($0) }
            body.finish()
            taken.withLock { $0 = n }
        }
        producer.start()
        do {
            _ = try client.send(request)
            Issue.record("expected the 503 to be final: the body's start was overwritten")
        } catch {
            #expect(error.status == 503)
            #expect(error.attempts == 1)
        }
        // The bank cancels the body once its request is over; a producer still
        // appending (the 503 may come before the last bytes were taken) returns.
        body.cancel()
        for _ in 0..<2000 where taken.withLock({ $0 }) < 0 { usleep(1_000) }
        #expect(taken.withLock { $0 } >= 256 << 10 && taken.withLock { $0 } <= bytes.count)
        #expect(!request.bodyRewind!(), "a body that lost its start cannot be sent again")
    }

    @Test func windowedBodyTakesNoMoreThanItsLength() {
        let body = StreamingBody(length: 10, window: 4)
        let read = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 3)
            while true {
                let n = buffer.withUnsafeMutableBytes { body.read(into: $0) }
                if n <= 0 { break }
                read.withLock { $0 += n }
            }
            done.signal()
        }
        reader.start()
        let taken = Array(repeating: UInt8(9), count: 25).withUnsafeBytes { body.append($0) }
        #expect(taken == 10)
        #expect(body.remaining == 0)
        // The last byte is kept back until the body is finished; then the reader ends
        // (before, it waited for it for ever, a thread left blocked in every run).
        body.finish()
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(read.withLock { $0 } == 10)
    }

    @Test func windowedBodyKeepsItsLastByteUntilFinished() {
        // Sent whole, the server would store the object before the producer chose
        // between commit and abort.
        let body = StreamingBody(length: 10, window: 16)
        #expect(Array(0..<10 as Range<UInt8>).withUnsafeBytes { body.append($0) } == 10)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(buffer.withUnsafeMutableBytes { body.read(into: $0) } == 9)
        let finisher = Thread {
            usleep(50_000)
            body.finish()
        }
        finisher.start()
        #expect(buffer.withUnsafeMutableBytes { body.read(into: $0) } == 1)
        #expect(buffer[0] == 9)
        #expect(buffer.withUnsafeMutableBytes { body.read(into: $0) } == 0)
    }

    /// The client's timeout bounds a stall, not a streamed upload that takes long because
    /// its producer does (a 5 GiB single PUT over a slow link must not time out at 120 s).
    @Test func slowProducerOutlastsTheClientTimeout() throws {
        let quick = HTTPClient(retry: RetryPolicy(attempts: 1), connectTimeout: 2, timeout: 1)
        let bytes = Self.pattern(64 << 10)
        let body = StreamingBody(length: bytes.count, window: 16 << 10)
        var request = HTTPRequest(method: "PUT", url: server.url("/echo"))
        request.streaming(body)
        let producer = Thread {
            for start in stride(from: 0, to: bytes.count, by: 8 << 10) {
                usleep(250_000)  // 2 s in all, twice the client's timeout, at 32 KiB/s
                bytes.withUnsafeBytes { _ = body.append(UnsafeRawBufferPointer(rebasing: $0[start..<(start + (8 << 10))])) }
            }
            body.finish()
        }
        producer.start()
        let json = try JSON.parse(bytes: try quick.send(request).body)
        #expect(json["sha256"] == .string(hex(SHA256.hash(bytes))))
    }
}
