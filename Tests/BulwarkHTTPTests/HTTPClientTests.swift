import BulwarkHTTP
import BulwarkJSON
import Foundation
import Synchronization
import Testing

/// The libcurl client against a real server on 127.0.0.1.
@Suite struct HTTPClientTests {
    let server: TestServer
    let client = HTTPClient(retry: RetryPolicy(attempts: 3, initialDelay: 0.05), connectTimeout: 2, timeout: 10)

    init() throws { server = try TestServer() }

    @Test func requestAndResponse() throws {
        let response = try client.send(HTTPRequest(method: "POST", url: server.url("/echo"), headers: [("X-Test", "yes")],
                                                   body: Array("hello".utf8)))
        #expect(response.status == 200)
        let json = try JSON.parse(bytes: response.body)
        #expect(json["method"] == "POST")
        #expect(json["body"] == "hello")
        #expect(json["headers"]?["X-Test"] == "yes")
        #expect(response.header("Content-Type") == "application/json")
        let head = try client.send(HTTPRequest(method: "HEAD", url: server.url("/echo")))
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test func streamedUploadAndDownload() throws {
        let total = 3 << 20
        let sent = Mutex(0)
        var request = HTTPRequest(method: "PUT", url: server.url("/echo"))
        request.bodyLength = total
        request.bodyReader = { buffer in
            sent.withLock { s in
                let n = min(buffer.count, total - s)
                for i in 0..<n { buffer[i] = UInt8(truncatingIfNeeded: s + i) }
                s += n
                return n
            }
        }
        let response = try client.send(request)
        #expect(try JSON.parse(bytes: response.body)["length"] == .number(JSONNumber(total)))

        let received = Mutex<[UInt8]>([])
        let download = try client.send(HTTPRequest(method: "GET", url: server.url("/bytes?n=1000000"))) { piece in
            received.withLock { $0.append(contentsOf: piece) }
            return true
        }
        #expect(download.body.isEmpty)
        let bytes = received.withLock { $0 }
        #expect(bytes.count == 1_000_000)
        #expect(bytes[500_000] == UInt8(500_000 % 251))
    }

    @Test func errorStatusCarriesTheServersMessage() throws {
        do {
            _ = try client.send(HTTPRequest(method: "GET", url: server.url("/status/404")))
            Issue.record("expected an error")
        } catch {
            #expect(error.status == 404)
            #expect(error.description == "GET \(server.url("/status/404")): HTTP 404: status 404 from test server")
        }
    }

    @Test func retriesServerErrorsThenSucceeds() throws {
        let key = UUID().uuidString
        let response = try client.send(HTTPRequest(method: "GET", url: server.url("/flaky/\(key)?fail=2&code=503")))
        #expect(try JSON.parse(bytes: response.body)["attempt"] == 3)
    }

    @Test func burstOfServerErrorsFailsWithTheMessage() throws {
        let key = UUID().uuidString
        do {
            _ = try client.send(HTTPRequest(method: "GET", url: server.url("/flaky/\(key)?fail=10&code=500")))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "GET \(server.url("/flaky/\(key)?fail=10&code=500")): HTTP 500: flaky failure 3 (after 3 attempts)")
        }
    }

    @Test func nonIdempotentRequestsAreNotRetried() throws {
        let key = UUID().uuidString
        #expect(throws: HTTPError.self) {
            try client.send(HTTPRequest(method: "POST", url: server.url("/flaky/\(key)?fail=1"), body: []))
        }
        // The server saw one attempt: the next one succeeds.
        #expect(try client.send(HTTPRequest(method: "GET", url: server.url("/flaky/\(key)?fail=1"))).status == 200)
    }

    @Test func tooManyRequestsHonoursRetryAfter() throws {
        let key = UUID().uuidString
        let start = Date()
        let response = try client.send(HTTPRequest(method: "GET", url: server.url("/flaky/\(key)?fail=1&code=429&retry_after=1")))
        #expect(response.status == 200)
        #expect(Date().timeIntervalSince(start) >= 0.75, "waited for Retry-After (with at most 20% jitter)")
    }

    @Test func transportErrorsSayWhatHappened() throws {
        do {
            _ = try client.send(HTTPRequest(method: "GET", url: server.url("/drop")))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("GET \(server.url("/drop")): the connection was dropped: "))
            #expect(error.attempts == 3)
        }
        let quick = HTTPClient(retry: .none, timeout: 0.3)
        do {
            _ = try quick.send(HTTPRequest(method: "GET", url: server.url("/slow?ms=2000")))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.description.hasPrefix("GET \(server.url("/slow?ms=2000")): timed out: "))
        }
        do {
            _ = try HTTPClient(retry: .none).send(HTTPRequest(method: "GET", url: "http://127.0.0.1:9/nothing"))
            Issue.record("expected a refused connection")
        } catch {
            #expect(error.description.hasPrefix("GET http://127.0.0.1:9/nothing: cannot connect: "))
        }
    }

    @Test func connectionsAreReused() throws {
        let fresh = HTTPClient()
        let before = try JSON.parse(bytes: try fresh.send(HTTPRequest(method: "GET", url: server.url("/connections"))).body)["connections"]?.numberValue?.intValue ?? 0
        for _ in 0..<20 { _ = try fresh.send(HTTPRequest(method: "GET", url: server.url("/echo"))) }
        let after = try JSON.parse(bytes: try fresh.send(HTTPRequest(method: "GET", url: server.url("/connections"))).body)["connections"]?.numberValue?.intValue ?? 0
        #expect(after - before <= 1, "22 sequential requests from one thread share one connection")
    }

    @Test func secretsNeverAppearInErrors() throws {
        let url = "http://admin:hunter2@127.0.0.1:\(server.port)/status/403?token=abc123&project=demo"
        do {
            _ = try client.send(HTTPRequest(method: "GET", url: url, headers: [("Authorization", "Bearer s3cret-token")]))
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(!text.contains("hunter2") && !text.contains("admin") && !text.contains("abc123") && !text.contains("s3cret"))
            #expect(text.hasPrefix("GET http://127.0.0.1:\(server.port)/status/403?token=REDACTED&project=demo: HTTP 403"))
        }
    }

    @Test func bearerTokenAuth() throws {
        #expect(throws: HTTPError.self) { try client.send(HTTPRequest(method: "GET", url: server.url("/auth"))) }
        let ok = try client.send(HTTPRequest(method: "GET", url: server.url("/auth"), headers: [("Authorization", "Bearer s3cret-token")]))
        #expect(ok.status == 200)
    }

    @Test func manyThreadsAtOnce() throws {
        let failures = Mutex(0)
        let client = self.client
        let url = server.url("/echo")
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            for _ in 0..<10 {
                if (try? client.send(HTTPRequest(method: "GET", url: url + "?i=\(i)")))?.status != 200 { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }
}

/// TLS: verified against the CA given, by file or as PEM text; refused, with a message
/// that says so, against another CA; skipped only when asked by name.
@Suite struct TLSTests {
    let certificates: TestCertificates
    let server: TestServer

    init() throws {
        certificates = try TestCertificates()
        server = try TestServer(tls: (certificates.certificate, certificates.key))
    }

    @Test func verifiedWithTheRightCA() throws {
        let byFile = HTTPClient(tls: TLSOptions(caFile: certificates.ca))
        #expect(try byFile.send(HTTPRequest(method: "GET", url: server.url("/echo"))).status == 200)
        let pem = try String(contentsOfFile: certificates.ca, encoding: .utf8)
        let byPEM = HTTPClient(tls: TLSOptions(caPEM: pem))
        #expect(try byPEM.send(HTTPRequest(method: "GET", url: server.url("/echo"))).status == 200)
    }

    @Test func wrongCAFailsWithATLSError() throws {
        for client in [HTTPClient(tls: TLSOptions(caFile: certificates.otherCA), retry: .none), HTTPClient(retry: .none)] {
            do {
                _ = try client.send(HTTPRequest(method: "GET", url: server.url("/echo")))
                Issue.record("expected a TLS error")
            } catch {
                #expect(error.description.contains("TLS error: the server's certificate could not be verified"))
            }
        }
    }

    @Test func insecureSkipVerifyOnlyWhenAsked() throws {
        let insecure = HTTPClient(tls: TLSOptions(insecureSkipVerify: true))
        #expect(try insecure.send(HTTPRequest(method: "GET", url: server.url("/echo"))).status == 200)
    }
}
