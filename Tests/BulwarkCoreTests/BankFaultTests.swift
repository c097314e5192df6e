import BulwarkCore
import BulwarkJSON
import Foundation
import Synchronization
import Testing
import TestSupport

/// Faults between the Swift bank and real Swift, injected by Tests/Peers/fault_proxy.py:
/// each gives a correct retry or a named error, and never a checkpoint that looks
/// complete but is not.
@Suite struct BankFaultTests {
    let proxy: PeerProcess
    let container = "faults-\(UUID().uuidString.prefix(8))"

    init() throws {
        proxy = try PeerProcess(script: "fault_proxy.py", arguments: ["http://127.0.0.1:8080"])
    }

    func bank(segmentSize: Int = 100 << 20) throws -> Bank {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSwiftBank"))
        // tempauth through the proxy; the storage URL must go through it too.
        return Bank(try BankInstance(try #require(library.banks.first), configuration: [
            "auth_url": .string("http://127.0.0.1:\(proxy.port)/auth/v1.0"), "user": "test:tester", "key": "testing",
            "storage_url": .string("http://127.0.0.1:\(proxy.port)/v1/AUTH_test"), "container": .string(container),
            "segment_size": .number(JSONNumber(segmentSize)),
        ]))
    }

    func fault(_ spec: JSON) throws {
        let result = try TestSupport.run("/usr/bin/env", ["curl", "-fsS", "-X", "POST", "-d", spec.serialized(),
                                                          "http://127.0.0.1:\(proxy.port)/__faults__"])
        #expect(result.status == 0)
    }

    @Test func burstOf503sIsRetriedThenNamed() throws {
        let bank = try bank()
        try fault(["status": 503, "count": 2, "match": .string("PUT /v1/AUTH_test/\(container)/a")])
        try bank.put("/a", Array("x".utf8))
        #expect(try bank.get("/a") == Array("x".utf8))
        try fault(["status": 503, "count": 10, "match": .string("PUT /v1/AUTH_test/\(container)/b")])
        do {
            try bank.put("/b", Array("y".utf8))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("HTTP 503: injected 503 (after 4 attempts)"))
        }
        try fault(["clear": true])
        #expect(try bank.get("/b") == nil, "nothing half-written")
    }

    @Test func serverStoppingMidUploadIsRetried() throws {
        let bank = try bank()
        let data = [UInt8](repeating: 7, count: 3 << 20)
        try fault(["drop": 1, "match": .string("PUT /v1/AUTH_test/\(container)/mid")])
        try bank.put("/mid", data)
        #expect(try bank.size("/mid") == UInt64(data.count))
        #expect(try bank.get("/mid") == data)
        try fault(["drop": 10, "match": .string("PUT /v1/AUTH_test/\(container)/gone")])
        do {
            try bank.put("/gone", data)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("the connection was dropped"))
        }
        try fault(["clear": true])
        #expect(try bank.get("/gone") == nil, "a dropped upload leaves no object")
    }

    /// Segments stream while the object is written; a failed segment PUT is sent again
    /// from its first byte, and a segment that keeps failing fails the write and leaves
    /// neither the object nor any segment.
    @Test func streamedSegmentsAreRetriedWhole() throws {
        let bank = try bank(segmentSize: 1 << 20)
        let data = (0..<(3 << 20) + 4321).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        func write(_ key: String) throws {
            let writer = try bank.openWriter(key)
            for start in stride(from: 0, to: data.count, by: 300_000) {
                try data[start..<min(start + 300_000, data.count)].withUnsafeBytes { try writer.append($0) }
            }
            try writer.commit()
        }
        try fault(["status": 503, "count": 1, "match": .string("PUT /v1/AUTH_test/\(container)_segments/seg/")])
        try fault(["drop": 1, "match": .string("PUT /v1/AUTH_test/\(container)_segments/seg/")])
        try write("/seg")
        let served = try JSON.parse(TestSupport.run("/usr/bin/env", ["curl", "-fsS", "http://127.0.0.1:\(proxy.port)/__faults__"]).stdout)
        #expect(served["status"] == 1 && served["drop"] == 1, "both faults hit a segment: \(served)")
        #expect(try bank.get("/seg") == data)
        #expect(try bank.get("/seg", offset: 1 << 20, length: 5) == Array(data[(1 << 20)..<((1 << 20) + 5)]))
        #expect(try bank.get("/seg", offset: UInt64(data.count), length: 5) == [], "a range past the end is empty")

        try fault(["status": 503, "count": 50, "match": .string("PUT /v1/AUTH_test/\(container)_segments/lost/")])
        do {
            try write("/lost")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("HTTP 503: injected 503"))
        }
        try fault(["clear": true])
        #expect(try bank.get("/lost") == nil)
        let segments = Bank(try BankInstance(try #require(try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSwiftBank")).banks.first),
                                             configuration: ["auth_url": "http://127.0.0.1:8080/auth/v1.0", "user": "test:tester",
                                                             "key": "testing", "container": .string(container + "_segments")]))
        #expect(try segments.list(prefix: "/lost/") == [], "no segment of the failed write is left")
    }

    /// An object of declared size goes as one PUT holding only a window of it (here
    /// segment_size, 1 MiB): a refusal before the body is read is retried; a connection
    /// lost after the window moved on fails the write with a message that says why and
    /// leaves no object.
    @Test func singlePutIsRetriedOnlyWhileItsStartIsHeld() throws {
        let bank = try bank(segmentSize: 1 << 20)
        let data = (0..<(10 << 20) + 77).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ $0 >> 10) }
        func write(_ key: String) throws {
            let writer = try bank.openWriter(key, size: UInt64(data.count))
            for start in stride(from: 0, to: data.count, by: 500_000) {
                try data[start..<min(start + 500_000, data.count)].withUnsafeBytes { try writer.append($0) }
            }
            try writer.commit()
        }
        try fault(["status": 503, "early": true, "count": 1, "match": .string("PUT /v1/AUTH_test/\(container)/single")])
        try write("/single")
        let served = try JSON.parse(TestSupport.run("/usr/bin/env", ["curl", "-fsS", "http://127.0.0.1:\(proxy.port)/__faults__"]).stdout)
        #expect(served["status"] == 1, "the refusal was served: \(served)")
        #expect(try bank.get("/single") == data)

        try fault(["drop": 1, "match": .string("PUT /v1/AUTH_test/\(container)/cut")])
        do {
            try write("/cut")
            Issue.record("expected the write to fail")
        } catch {
            let text = "\(error)"
            #expect(text.contains("PUT http://127.0.0.1:\(proxy.port)/v1/AUTH_test/\(container)/cut"), "\(text)")
            #expect(text.contains("more than its first 1 MiB had gone, so it could not be sent again"), "\(text)")
            #expect(text.contains("single_put_max"))
        }
        try fault(["clear": true])
        #expect(try bank.get("/cut") == nil, "a cut single PUT leaves no object")
    }

    @Test func expiredTokenIsRenewed() throws {
        let bank = try bank()
        try bank.put("/t", [1])
        // Swift says 401 once, as it does for an expired token: the bank authenticates again.
        try fault(["status": 401, "count": 1, "match": .string("GET /v1/AUTH_test/\(container)/t")])
        #expect(try bank.get("/t") == [1])
    }

    @Test func listingThatChangesWhilePagingMissesNothingStable() throws {
        let bank = try bank()
        let stable = (0..<2_500).map { String(format: "/list/s%05d", $0) }
        for chunk in stride(from: 0, to: stable.count, by: 250) {
            DispatchQueue.concurrentPerform(iterations: 10) { i in
                for key in stable[(chunk + i * 25)..<(chunk + i * 25 + 25)] { try? bank.put(key, [1]) }
            }
        }
        // While listing in pages of 100, another thread adds and removes other keys.
        let stop = Mutex(false)
        let churn = Thread {
            var n = 0
            while !stop.withLock({ $0 }) {
                try? bank.put(String(format: "/list/c%05d", n), [2])
                if n >= 5 { try? bank.delete(String(format: "/list/c%05d", n - 5)) }
                n += 1
            }
        }
        churn.start()
        let listed = try bank.listAll(prefix: "/list/", pageSize: 100)
        stop.withLock { $0 = true }
        #expect(Set(listed).count == listed.count, "no key twice")
        #expect(Set(stable).isSubset(of: Set(listed)), "every key that existed throughout is listed")
    }

    /// Status objects that cannot be written fail the checkpoint instead of leaving an
    /// available checkpoint with holes.
    @Test func unrecordedStatusFailsTheCheckpoint() throws {
        let directory = try TestSupport.temporaryDirectory("fault-engine")
        let file = directory.appendingPathComponent("p.yaml").path
        try """
            id: faulty
            name: Faulty
            protectables: {Sim::Project: {}, Sim::Pod: {pods: 3}, Sim::Volume: {volumes: 1}}
            plugins: [bulwark-sim-protection]
            bank:
              plugin: swift
              options: {auth_url: "http://127.0.0.1:\(proxy.port)/auth/v1.0", user: "test:tester", key: testing,
                        storage_url: "http://127.0.0.1:\(proxy.port)/v1/AUTH_test", container: \(container)}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let provider = try Provider.open(try ProviderConfig.read(file))
        try fault(["status": 500, "count": 1000, "match": "/resource-data/vol-1-0/status"])
        let checkpoint = try Engine(provider: provider).protect(
            Plan(id: "p", name: "p", providerID: "faulty", resources: [Resource(type: "Sim::Project", id: "project", name: "")]))
        try fault(["clear": true])
        #expect(checkpoint.status == "error")
        #expect(checkpoint.error?.hasPrefix("the status of 1 resource could not be recorded in the bank: Sim::Volume vol-1-0") == true)
    }
}
