import BulwarkCore
import BulwarkJSON
import Dispatch
import Foundation
import Synchronization
import Testing

/// The behaviour every bank must have, run against a fresh, empty bank. Later banks
/// (Swift, S3) run the same suite unchanged.
public struct BankConformance: Sendable {
    public let bank: Bank
    /// Seconds a lease needs past its TTL before a bank reports it expired (object stores
    /// with coarse clocks may need more).
    public let leaseSlack: Double

    public init(bank: Bank, leaseSlack: Double = 0.3) {
        self.bank = bank
        self.leaseSlack = leaseSlack
    }

    public func runAll(largeObjectMiB: Int = 64) throws {
        try keysAreCheckedAndNormalised()
        try missingObjects()
        try overwriteAndDelete()
        try listing()
        try largeObjectInPieces(mebibytes: largeObjectMiB)
        try largeObjectInPieces(mebibytes: largeObjectMiB, sized: true)
        try declaredSizesAreKept()
        try concurrentWriters()
        try leases()
    }

    func text(_ key: String) throws -> String? {
        try bank.get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    public func keysAreCheckedAndNormalised() throws {
        try bank.put("keys//a//b/", Array("x".utf8))
        #expect(try bank.list(prefix: "/keys/") == ["/keys/a/b"])
        #expect(try text("/keys/a/b") == "x")
        for bad in ["", "/", "/a/../b", "/a/./b", "/a b", "/caf\u{e9}", "/a~b", "/a%2e"] {
            #expect(throws: Bank.Failure.self, "key \(bad) must be refused") { try bank.put(bad, [1]) }
        }
        do {
            try bank.put("/a/../etc/passwd", [1])
            Issue.record("a key with a \"..\" part must be refused")
        } catch {
            #expect(error.description == "invalid bank key \"/a/../etc/passwd\": \".\" and \"..\" parts are not allowed")
        }
        // Nothing reached the bank.
        #expect(try bank.list(prefix: "/a") == [])
    }

    public func missingObjects() throws {
        #expect(try bank.get("/missing/object") == nil)
        #expect(try bank.size("/missing/object") == nil)
        try bank.delete("/missing/object")
        #expect(try bank.list(prefix: "/missing/") == [])
    }

    public func overwriteAndDelete() throws {
        try bank.put("/ow/key", Array("first".utf8))
        try bank.put("/ow/key", Array("second, longer".utf8))
        #expect(try text("/ow/key") == "second, longer")
        #expect(try bank.size("/ow/key") == 14)
        try bank.put("/ow/empty", [])
        #expect(try bank.get("/ow/empty") == [])
        #expect(try bank.size("/ow/empty") == 0)
        // An object and objects under the same name as a prefix live side by side.
        try bank.put("/ow/key/child", Array("c".utf8))
        #expect(try text("/ow/key") == "second, longer")
        #expect(try text("/ow/key/child") == "c")
        try bank.delete("/ow/key")
        #expect(try bank.get("/ow/key") == nil)
        #expect(try text("/ow/key/child") == "c")
    }

    public func listing() throws {
        for key in ["/list/a/1", "/list/a/2", "/list/a/10", "/list/b/1", "/list/ab", "/list/a@x"] {
            try bank.put(key, Array(key.utf8))
        }
        #expect(try bank.list(prefix: "/list/a/") == ["/list/a/1", "/list/a/10", "/list/a/2"])
        #expect(try bank.list(prefix: "/list/a") == ["/list/a/1", "/list/a/10", "/list/a/2", "/list/a@x", "/list/ab"])
        #expect(try bank.list(prefix: "list/a/", descending: true) == ["/list/a/2", "/list/a/10", "/list/a/1"])
        #expect(try bank.list(prefix: "/list/", limit: 2) == ["/list/a/1", "/list/a/10"])
        #expect(try bank.list(prefix: "/list/", marker: "/list/a/10", limit: 2) == ["/list/a/2", "/list/a@x"])
        #expect(try bank.list(prefix: "/list/", marker: "/list/a@x", limit: 2, descending: true) == ["/list/a/2", "/list/a/10"])
        #expect(try bank.listAll(prefix: "/list/", pageSize: 2).count == 6)
    }

    /// An object larger than memory-friendly single puts, written and read in pieces;
    /// `sized`: its length declared when the writer opens (ABI 1.1).
    public func largeObjectInPieces(mebibytes: Int, sized: Bool = false) throws {
        let piece = 1 << 20
        func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        var chunk = [UInt8](repeating: 0, count: piece)
        let writer = try bank.openWriter("/large/object.bin", size: sized ? UInt64(mebibytes * piece) : nil)
        for p in 0..<mebibytes {
            for i in 0..<piece { chunk[i] = byte(p * piece + i) }
            try chunk.withUnsafeBytes { b in try writer.append(b) }
        }
        // Not visible before commit.
        #expect(try bank.get("/large/object.bin") == nil)
        try writer.commit()
        let total = mebibytes * piece
        #expect(try bank.size("/large/object.bin") == UInt64(total))
        // Ranged reads across piece boundaries, and the tail.
        for start in [0, piece - 3, total / 2 + 17, total - 5] {
            let bytes = try #require(try bank.get("/large/object.bin", offset: UInt64(start), length: 8))
            #expect(bytes == (start..<min(start + 8, total)).map(byte))
        }
        // An aborted write leaves nothing behind, even when every byte was given.
        let aborted = try bank.openWriter("/large/aborted.bin", size: sized ? UInt64(9 * piece) : nil)
        for _ in 0..<9 { try chunk.withUnsafeBytes { b in try aborted.append(b) } }
        aborted.abort()
        #expect(try bank.get("/large/aborted.bin") == nil)
        try bank.delete("/large/object.bin")
        #expect(try bank.size("/large/object.bin") == nil)
    }

    /// A writer that declared its size gets exactly that many bytes or writes nothing.
    public func declaredSizesAreKept() throws {
        let bytes = [UInt8](repeating: 7, count: 3 << 20)
        let long = try bank.openWriter("/sized/long", size: UInt64(bytes.count - 1))
        do {
            try bytes.withUnsafeBytes { try long.append($0) }
            Issue.record("an append past the declared size must fail")
        } catch {
            #expect("\(error)".contains("/sized/long: \(bytes.count) bytes appended to an object declared as \(bytes.count - 1)"))
        }
        let short = try bank.openWriter("/sized/short", size: UInt64(bytes.count + 1))
        try bytes.withUnsafeBytes { try short.append($0) }
        do {
            try short.commit()
            Issue.record("a commit short of the declared size must fail")
        } catch {
            #expect("\(error)".contains("/sized/short: committed after \(bytes.count) of its declared \(bytes.count + 1) bytes"))
        }
        let empty = try bank.openWriter("/sized/empty", size: 0)
        try empty.commit()
        #expect(try bank.get("/sized/empty") == [])
        #expect(try bank.list(prefix: "/sized/") == ["/sized/empty"], "neither wrong-sized object was written")
        try bank.delete("/sized/empty")
    }

    /// Eight threads write 100 objects each and all overwrite one shared object.
    public func concurrentWriters() throws {
        let errors = Mutex<[String]>([])
        let bank = self.bank
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<100 {
                do {
                    try bank.put("/concurrent/t\(t)/\(i)", Array("\(t):\(i)".utf8))
                    try bank.put("/concurrent/shared", Array(String(repeating: "\(t)", count: 1000).utf8))
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(errors.withLock { $0 } == [])
        #expect(try bank.listAll(prefix: "/concurrent/t").count == 800)
        #expect(try text("/concurrent/t3/42") == "3:42")
        let shared = try #require(try text("/concurrent/shared"))
        #expect(shared.count == 1000 && Set(shared).count == 1, "the shared object is one writer's whole value")
    }

    public func leases() throws {
        try bank.acquireLease("engine", owner: "host-a", ttl: 60)
        let held = try #require(try bank.checkLease("engine"))
        #expect(held.owner == "host-a" && held.valid)
        #expect(throws: Bank.Failure.self) { try bank.acquireLease("engine", owner: "host-b", ttl: 60) }
        try bank.acquireLease("engine", owner: "host-a", ttl: 60)  // the holder may take it again
        try bank.renewLease("engine", owner: "host-a", ttl: 1)
        Thread.sleep(forTimeInterval: 1 + leaseSlack)
        #expect(try bank.checkLease("engine")?.valid == false)
        // Expired: taken over; the old owner can no longer renew it.
        try bank.acquireLease("engine", owner: "host-b", ttl: 60)
        #expect(try bank.checkLease("engine")?.owner == "host-b")
        #expect(throws: Bank.Failure.self) { try bank.renewLease("engine", owner: "host-a", ttl: 60) }
        try bank.releaseLease("engine", owner: "host-a")  // not the holder: no effect
        #expect(try bank.checkLease("engine")?.owner == "host-b")
        try bank.releaseLease("engine", owner: "host-b")
        #expect(try bank.checkLease("engine") == nil)
        #expect(throws: Bank.Failure.self) { try bank.renewLease("missing", owner: "host-a", ttl: 60) }
    }
}
