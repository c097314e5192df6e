import BulwarkCore
import BulwarkJSON
import Foundation
import Synchronization
import Testing
import TestSupport

/// The header's thread-safety promises, kept: host services used from several threads in
/// one hook, and one library loaded from several threads at once (its init runs once).
@Suite struct HostConcurrencyTests {
    /// A fresh copy of the fixture per test: a library is opened once per process, and
    /// its init counter lives as long as the process does.
    func compile(_ label: String) throws -> URL {
        let output = try TestSupport.temporaryDirectory("threaded-\(label)").appendingPathComponent("libthreaded.so")
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/threaded_plugin.c"], output: output)
        return output
    }

    @Test func servicesUsedFromSeveralThreadsInOneHook() throws {
        let library = try PluginLoader().load(path: try compile("services").path)
        let plugin = try ProtectionInstance(library.protections[0])
        let arguments = HookArguments(resource: ["type": "T::R", "id": "r1", "name": "r1"], parameters: [:], checkpointID: "cp-1",
                                      providerID: "p", checkpoint: ["id": "cp-1"])
        // Each round opens 160 writers from four threads and appends 4,000 chunks.
        for round in 0..<5 {
            let section = MemorySection()
            try plugin.run(.protect, .main, arguments, services: CallServices(events: RecordingEvents(), bank: section))
            let objects = section.objects.withLock { $0 }
            for thread in 0..<4 {
                let letter = UInt8(ascii: "a") + UInt8(thread)
                for writer in 0..<40 {
                    #expect(objects["t\(thread)-\(writer)"] == [UInt8](repeating: letter, count: 200), "round \(round), t\(thread)-\(writer)")
                }
            }
            // The shared writer got every thread's 40 records, whole (8 bytes of one letter each).
            let shared = try #require(objects["shared"], "round \(round)")
            #expect(shared.count == 4 * 40 * 8)
            var counts = [UInt8: Int]()
            for record in stride(from: 0, to: shared.count, by: 8) {
                let bytes = shared[record..<record + 8]
                #expect(Set(bytes).count == 1, "record at \(record) is interleaved")
                counts[bytes.first!, default: 0] += 1
            }
            #expect(counts == [0x61: 40, 0x62: 40, 0x63: 40, 0x64: 40])
        }
    }

    @Test func aLibraryLoadedFromSeveralThreadsAtOnceIsInitialisedOnce() throws {
        let path = try compile("load").path
        let loader = PluginLoader()
        let outcomes = Mutex<[String]>([])
        let threads = 8
        let done = DispatchGroup()
        for _ in 0..<threads {
            done.enter()
            Thread.detachNewThread {
                let outcome: String
                do { outcome = try loader.load(path: path).name } catch { outcome = "\(error)" }
                outcomes.withLock { $0.append(outcome) }
                done.leave()
            }
        }
        #expect(done.wait(timeout: .now() + 120) == .success)
        // The fixture's init fails with "init ran twice" if it is ever run again.
        #expect(outcomes.withLock { $0 } == Array(repeating: "threaded-c", count: threads))
    }

    /// A server opens each provider with a loader of its own: the library's init still
    /// runs once in the process, and each loader gets the library.
    @Test func twoLoadersShareOneInitialisation() throws {
        let path = try compile("loaders").path
        let first = try PluginLoader().load(path: path)
        let second = try PluginLoader().load(path: path)
        #expect(first.name == "threaded-c" && second.name == "threaded-c")
        #expect(first.protections.map(\.name) == second.protections.map(\.name))
    }
}
