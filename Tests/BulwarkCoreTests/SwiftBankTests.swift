import BankConformance
import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The Swift bank against real OpenStack Swift on 127.0.0.1:8080 (started by
/// scripts/test.sh through ../shared/peers/swift.sh; tempauth test:tester / testing).
@Suite struct SwiftBankTests {
    static let authURL = ProcessInfo.processInfo.environment["BULWARK_SWIFT_AUTH_URL"] ?? "http://127.0.0.1:8080/auth/v1.0"

    static func bank(container: String, segmentSize: Int = 8 << 20, singlePutMax: Int? = nil, key: String = "testing") throws -> Bank {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSwiftBank"))
        let entry = try #require(library.banks.first)
        var options: [String: JSON] = [
            "auth_url": .string(authURL), "user": "test:tester", "key": .string(key),
            "container": .string(container), "segment_size": .number(JSONNumber(segmentSize)),
        ]
        if let singlePutMax { options["single_put_max"] = .number(JSONNumber(singlePutMax)) }
        return Bank(try BankInstance(entry, configuration: .object(JSONObject(options.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))))
    }

    @Test func conforms() throws {
        let container = "conformance-\(UUID().uuidString.prefix(8))"
        let bank = try Self.bank(container: container)
        try BankConformance(bank: bank).runAll()
        // The 64 MiB object was a Static Large Object of 8 MiB segments; deleting it (and
        // aborting the other write) left no segment behind.
        let segments = try Self.bank(container: container + "_segments")
        #expect(try segments.list(prefix: "/") == [])
    }

    /// Objects of declared size up to single_put_max are one object; larger ones are
    /// segments sent with their lengths; objects of unknown size over 8 MiB are segments.
    @Test func declaredSizesChooseOnePutOrSegments() throws {
        let container = "sized-\(UUID().uuidString.prefix(8))"
        let bank = try Self.bank(container: container, segmentSize: 1 << 20, singlePutMax: 9 << 20)
        let segments = try Self.bank(container: container + "_segments")
        func write(_ key: String, _ count: Int, sized: Bool) throws -> [UInt8] {
            let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            let writer = try bank.openWriter(key, size: sized ? UInt64(count) : nil)
            for start in stride(from: 0, to: count, by: 700_000) {
                try data[start..<min(start + 700_000, count)].withUnsafeBytes { try writer.append($0) }
            }
            try writer.commit()
            return data
        }
        let one = try write("/one", 9 << 20, sized: true)
        #expect(try segments.list(prefix: "/") == [], "9 MiB with its size declared is one PUT")
        #expect(try bank.get("/one") == one)
        let split = try write("/split", (10 << 20) + 5, sized: true)
        #expect(try segments.list(prefix: "/split/").count == 11, "over single_put_max: 1 MiB segments")
        #expect(try bank.get("/split") == split)
        let unknown = try write("/unknown", (8 << 20) + 5, sized: false)
        #expect(try segments.list(prefix: "/unknown/").count == 9, "size unknown: segments past 8 MiB")
        #expect(try bank.get("/unknown", offset: 8 << 20, length: 10) == Array(unknown[(8 << 20)...]))
        for key in ["/one", "/split", "/unknown"] { try bank.delete(key) }
        #expect(try segments.list(prefix: "/") == [])
    }

    @Test func listingPagesBeyondTenThousandKeys() throws {
        let bank = try Self.bank(container: "paging-\(UUID().uuidString.prefix(8))")
        let keys = (0..<10_050).map { String(format: "/many/%05d", $0) }
        let errors = DispatchQueue.concurrentPerformCollecting(keys, threads: 32) { key in try bank.put(key, [1]) }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        let listed = try bank.list(prefix: "/many/")
        #expect(listed.count == 10_050)
        #expect(listed.first == "/many/00000" && listed.last == "/many/10049")
        #expect(try bank.list(prefix: "/many/", marker: "/many/10047") == ["/many/10048", "/many/10049"])
    }

    @Test func wrongKeyIsANamedErrorWithoutTheSecret() throws {
        do {
            _ = try Self.bank(container: "never", key: "not-the-secret-x9")
            Issue.record("expected an auth error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("Swift auth at http://127.0.0.1:8080/auth/v1.0 failed"))
            #expect(text.contains("HTTP 401"))
            #expect(!text.contains("not-the-secret-x9"))
        }
    }
}

extension DispatchQueue {
    /// Run `body` for every item on `threads` threads; the errors, as text.
    static func concurrentPerformCollecting<T: Sendable>(_ items: [T], threads: Int, _ body: @escaping @Sendable (T) throws -> Void) -> [String] {
        let errors = NSLock()
        nonisolated(unsafe) var collected: [String] = []
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var i = t
            while i < items.count {
                do { try body(items[i]) } catch { errors.lock(); collected.append("\(error)"); errors.unlock() }
                i += threads
            }
        }
        return collected
    }
}

/// The engine end to end with checkpoints in Swift.
@Suite struct SwiftEngineTests {
    @Test func protectRestoreDeleteIntoSwift() throws {
        let directory = try TestSupport.temporaryDirectory("swift-engine")
        let file = directory.appendingPathComponent("sim.yaml").path
        try """
            id: sim-swift
            name: Simulated on Swift
            protectables: {Sim::Project: {}, Sim::Pod: {pods: 5}, Sim::Volume: {volumes: 2}}
            plugins: [bulwark-sim-protection]
            bank:
              plugin: swift
              options: {auth_url: \(SwiftBankTests.authURL), user: "test:tester", key: testing, container: engine-\(UUID().uuidString.prefix(8))}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let provider = try Provider.open(try ProviderConfig.read(file))
        let engine = Engine(provider: provider)
        let plan = Plan(id: "p", name: "p", providerID: "sim-swift", resources: [Resource(type: "Sim::Project", id: "project", name: "")])
        let checkpoint = try engine.protect(plan)
        #expect(checkpoint.status == "available")
        #expect(try provider.bank.getJSON("/checkpoints/\(checkpoint.id)/resource-data/vol-4-1/data") == ["id": "vol-4-1", "saved": true])
        let store = try SQLiteCatalog(path: directory.appendingPathComponent("state.sqlite").path)
        #expect(try engine.restore(checkpointID: checkpoint.id, catalog: store).status == .success)
        try engine.delete(checkpoint.id)
        #expect(try provider.bank.list(prefix: "/checkpoints/") == [])
        #expect(try provider.bank.list(prefix: "/indices/by-provider/") == [])
    }
}

/// The Swift bank with Keystone auth: a second Swift (127.0.0.1:8081) that trusts the test
/// Keystone; the storage URL comes from the catalog's object-store endpoint.
@Suite struct SwiftKeystoneBankTests {
    @Test func conformsWithKeystoneAuth() throws {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSwiftBank"))
        let entry = try #require(library.banks.first)
        let keystone: JSON = ["auth": ["auth_url": "http://127.0.0.1:5000/v3", "username": "admin", "password": "secret",
                                       "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"],
                              "region_name": "RegionOne"]
        let bank = Bank(try BankInstance(entry, configuration: [
            "auth": "keystone", "keystone": keystone, "container": .string("ks-\(UUID().uuidString.prefix(8))"),
            "segment_size": .number(JSONNumber(8 << 20)),
        ]))
        try BankConformance(bank: bank).runAll(largeObjectMiB: 16)
    }

    @Test func keystoneOptionsAreRequired() throws {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSwiftBank"))
        let entry = try #require(library.banks.first)
        #expect(throws: PluginCallError(plugin: "bulwark-swift-bank", status: 3, message: "auth keystone needs the option \"keystone\"")) {
            try BankInstance(entry, configuration: ["auth": "keystone"])
        }
    }
}
