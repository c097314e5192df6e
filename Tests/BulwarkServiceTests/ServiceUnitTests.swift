import BulwarkJSON
import Foundation
import Testing
import TestSupport
@testable import BulwarkService

/// What python-karborclient sends in query strings: Python literals.
@Suite struct PythonLiteralTests {
    @Test func pythonReprAndJSONAreRead() throws {
        #expect(try PythonLiteral.parse("{'region': 'R1', 'n': 3, 'ok': True, 'none': None}") ==
                ["region": "R1", "n": 3, "ok": true, "none": .null])
        #expect(try PythonLiteral.parse(#"{"a": [1, 2.5, false, null]}"#) == ["a": [1, 2.5, false, .null]])
        #expect(try PythonLiteral.parse(#"{'q': 'it\'s', "e": "\u00e9"}"#) == ["q": "it's", "e": "é"])
        #expect(try PythonLiteral.parse("('a', 'b',)") == ["a", "b"])
        #expect(try PythonLiteral.parse("{}") == [:])
    }

    @Test func malformedLiteralsAreNamedErrors() {
        for text in ["{'a':", "{'a' 1}", "{1: 2}", "[1 2]", "'open", "{'a': nope}", "", String(repeating: "[", count: 100)] {
            #expect(throws: PythonLiteral.Failure.self, "\(text)") { _ = try PythonLiteral.parse(text) }
        }
    }
}

@Suite struct ProviderIDTests {
    @Test func eachProviderHasAStableUUIDAndBothIdsWork() throws {
        let ids = ProviderIDs(["demo", "osk"])
        let demo = ProviderIDs.uuid(for: "demo")
        #expect(UUID(uuidString: demo) != nil)
        #expect(demo == ProviderIDs.uuid(for: "demo"), "the same on every start")
        #expect(demo != ProviderIDs.uuid(for: "osk"))
        #expect(Array(demo)[14] == "8", "version 8")
        #expect(ids.native(demo) == "demo")
        #expect(ids.native(demo.uppercased()) == "demo")
        #expect(ids.native("demo") == "demo")
        #expect(ids.api("demo") == demo)
        let shown = ids.shown(["provider_id": "demo", "protection_plan": ["provider_id": "demo"]])
        #expect(shown["provider_id"]?.stringValue == demo)
        #expect(shown["protection_plan"]?["provider_id"]?.stringValue == demo)
    }
}

@Suite struct RouteTableTests {
    @Test func aKnownPathsMethodsAreFoundFromTheDocument() {
        let table = RouteTable.api
        #expect(table.methods(for: "/v1/p/plans") == ["GET", "POST"])
        #expect(table.methods(for: "/v1/p/plans/x") == ["DELETE", "GET", "PUT"])
        #expect(table.methods(for: "/v1/p/protectables/T/instances/a/b/c") == ["GET"])
        #expect(table.methods(for: "/v1/p/nothing").isEmpty)
        #expect(table.methods(for: "/healthz") == ["GET"])
    }
}

@Suite struct ServiceConfigTests {
    let directory: URL
    init() throws { directory = try TestSupport.temporaryDirectory("serve-config") }

    func read(_ text: String) throws -> ServiceConfig {
        let file = directory.appendingPathComponent("serve.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try ServiceConfig.read(file.path)
    }

    @Test func theBuiltInSchemaIsThePublishedOne() throws {
        let published = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("schemas/serve.schema.json"), encoding: .utf8)
        #expect(try JSON.parse(published) == ServiceConfig.publishedSchema)
    }

    @Test func theShippedExampleReads() throws {
        let config = try ServiceConfig.read(TestSupport.packageRoot.appendingPathComponent("examples/serve-noauth.yaml").path)
        #expect(config.port == 8799)
        #expect(config.host == "127.0.0.1")
        #expect(config.onlyProviders == ["demo"])
        #expect(config.catalogPath == "demo-data/catalog.sqlite")
    }

    @Test func mistakesNameTheFileLineAndKey() throws {
        #expect {
            _ = try read("listen:\n  port: 99999\nauth: {mode: noauth}\n")
        } throws: { "\($0)".contains("serve.yaml:2:") && "\($0)".contains("port") }
        #expect {
            _ = try read("auth: {mode: keystone}\n")
        } throws: { "\($0)".contains("keystone") }
        #expect {
            _ = try read("auth: {mode: noauth}\ncolour: blue\n")
        } throws: { "\($0)".contains("colour") }
        // Plain HTTP off loopback would send tokens in the clear: refused unless asked for.
        #expect {
            _ = try read("listen: {host: 0.0.0.0}\nauth: {mode: noauth}\n")
        } throws: { "\($0)".contains("allow_plain_http") }
        #expect(try read("listen: {host: 0.0.0.0, allow_plain_http: true}\nauth: {mode: noauth}\n").host == "0.0.0.0")
        // The service's password is never shown back in a message.
        #expect {
            _ = try read("auth: {mode: keystone, keystone: {auth_url: 'http://127.0.0.1:5000/v3', username: a, password: 12345, project_name: p}}\n")
        } throws: { "\($0)".contains("password") && !"\($0)".contains("12345") }
    }
}
