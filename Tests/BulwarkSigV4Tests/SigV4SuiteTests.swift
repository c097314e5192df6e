import BulwarkJSON
import BulwarkSigV4
import Foundation
import Testing
import TestSupport

/// AWS's SigV4 test suite (../shared/sigv4-test-suite/v4, from aws-c-auth): for every case,
/// the canonical request, the string to sign and the signature of the header form.
@Suite struct SigV4SuiteTests {
    static let suite = TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/sigv4-test-suite/v4")

    @Test func sha256AndHMAC() {
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array(String(repeating: "a", count: 1_000_000).utf8))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(hex(SHA256.hmac(key: Array("key".utf8), message: Array("The quick brown fox jumps over the lazy dog".utf8)))
                == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    }

    struct Case {
        var name: String
        var method: String
        var path: String
        var query: String
        var headers: [(String, String)]
        var body: [UInt8]
    }

    /// request.txt: "METHOD PATH HTTP/1.1", headers (continuation lines start with a
    /// space), a blank line, the body.
    static func parse(_ name: String, _ text: String) -> Case {
        var lines = text.components(separatedBy: "\n")
        let first = lines.removeFirst()
        let method = String(first.prefix(while: { $0 != " " }))
        let target = String(first.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        var headers: [(String, String)] = []
        var bodyStart: Int?
        for (i, line) in lines.enumerated() {
            if line.isEmpty { bodyStart = i + 1; break }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let body = bodyStart.map { lines[$0...].joined(separator: "\n") } ?? ""
        return Case(name: name, method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    @Test func everyCase() throws {
        try #require(FileManager.default.fileExists(atPath: Self.suite.path), "the SigV4 suite is expected at \(Self.suite.path)")
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.suite.path).sorted()
        var passed = 0
        var failures: [String] = []
        for name in names {
            let dir = Self.suite.appendingPathComponent(name)
            func read(_ f: String) throws -> String { try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8) }
            let context = try JSON.parse(try read("context.json"))
            let c = Self.parse(name, try read("request.txt"))
            let signer = SigV4Signer(accessKey: context["credentials"]?["access_key_id"]?.stringValue ?? "",
                                     secretKey: context["credentials"]?["secret_access_key"]?.stringValue ?? "",
                                     sessionToken: context["credentials"]?["token"]?.stringValue,
                                     region: context["region"]?.stringValue ?? "", service: context["service"]?.stringValue ?? "")
            let signBody = context["sign_body"] == true
            let stamp = (context["timestamp"]?.stringValue ?? "").replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            let signed = signer.sign(method: c.method, path: c.path, query: c.query, headers: c.headers,
                                     payloadHash: hex(SHA256.hash(c.body)), addContentHashHeader: signBody, date: stamp,
                                     normalizePath: context["normalize"] == true, signSessionToken: context["omit_session_token"] != true)
            let expected = (try read("header-canonical-request.txt"), try read("header-string-to-sign.txt"), try read("header-signature.txt"))
            if signed.canonicalRequest == expected.0, signed.stringToSign == expected.1, signed.signature == expected.2 {
                passed += 1
            } else {
                failures.append("\(name):\n\(signed.canonicalRequest)\n--- expected\n\(expected.0)")
            }
        }
        print("SigV4 suite: \(passed) of \(names.count) cases passed")
        for f in failures { print("  FAIL \(f)") }
        #expect(failures.isEmpty)
    }

    @Test func amzDates() {
        #expect(amzDate(1_440_938_160) == "20150830T123600Z")
        #expect(amzDate(0) == "19700101T000000Z")
        #expect(amzDate(1_709_164_800) == "20240229T000000Z")
    }
}
