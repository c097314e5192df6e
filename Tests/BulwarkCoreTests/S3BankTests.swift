import BankConformance
import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The S3 bank against Swift's S3 API on 127.0.0.1:8080 (s3api, path style, SigV4; key
/// test:tester, secret testing), started by scripts/test.sh.
@Suite struct S3BankTests {
    static let endpoint = ProcessInfo.processInfo.environment["BULWARK_S3_ENDPOINT"] ?? "http://127.0.0.1:8080"

    static func bank(bucket: String, secret: String = "testing") throws -> Bank {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkS3Bank"))
        let entry = try #require(library.banks.first)
        return Bank(try BankInstance(entry, configuration: [
            "endpoint": .string(endpoint), "bucket": .string(bucket), "access_key": "test:tester",
            "secret_key": .string(secret), "part_size": .number(JSONNumber(5 << 20)),
        ]))
    }

    @Test func conforms() throws {
        let bank = try Self.bank(bucket: "conformance-\(UUID().uuidString.prefix(8).lowercased())")
        try BankConformance(bank: bank).runAll(largeObjectMiB: 24)
    }

    @Test func wrongSecretIsANamedErrorWithoutTheSecret() throws {
        do {
            _ = try Self.bank(bucket: "never-\(UUID().uuidString.prefix(8).lowercased())", secret: "not-the-secret-q7")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("HTTP 403"))
            #expect(text.contains("SignatureDoesNotMatch") || text.contains("signature"))
            #expect(!text.contains("not-the-secret-q7"))
        }
    }
}
