import BulwarkCore
import Synchronization

/// A bank section held in memory, for calling hooks directly in tests (the engine's real
/// section over a bank plugin is tested with the engine).
final class MemorySection: BankSectionService {
    let objects = Mutex<[String: [UInt8]]>([:])
    let readOnly: Bool

    init(readOnly: Bool = false) { self.readOnly = readOnly }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws(PluginCallError) {
        if readOnly { throw PluginCallError(plugin: "host", status: 5, message: "read-only") }
        objects.withLock { $0[key] = Array(bytes) }
    }

    /// Sizes are recorded, so tests can see what a plugin declared.
    let declaredSizes = Mutex<[String: UInt64]>([:])

    func openWriter(_ key: String, size: UInt64?) throws(PluginCallError) -> any SectionWriter {
        if let size { declaredSizes.withLock { $0[key] = size } }
        return Writer(section: self, key: key)
    }

    func get(_ key: String, offset: UInt64, length: UInt64) throws(PluginCallError) -> [UInt8]? {
        objects.withLock { $0[key] }
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws(PluginCallError) -> [String] {
        objects.withLock { Array($0.keys) }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    func delete(_ key: String) throws(PluginCallError) {
        _ = objects.withLock { $0.removeValue(forKey: key) }
    }

    final class Writer: SectionWriter {
        let section: MemorySection
        let key: String
        var bytes: [UInt8] = []
        init(section: MemorySection, key: String) { self.section = section; self.key = key }
        func append(_ chunk: UnsafeRawBufferPointer) throws(PluginCallError) { bytes += chunk }
        func commit() throws(PluginCallError) { try bytes.withUnsafeBytes { b in Result { () throws(PluginCallError) in try section.put(key, b) } }.get() }
        func abort() {}
    }
}

final class MemoryNewResources: NewResourcesService {
    let map = Mutex<[String: String]>([:])
    func set(_ oldID: String, _ newID: String) { map.withLock { $0[oldID] = newID } }
    func get(_ oldID: String) -> String? { map.withLock { $0[oldID] } }
}

final class RecordingEvents: PluginEventSink {
    let lines = Mutex<[String]>([])
    func log(plugin: String, level: PluginLogLevel, message: String) { lines.withLock { $0.append("\(plugin): \(message)") } }
    func progress(plugin: String, fraction: Double, message: String?) { lines.withLock { $0.append("\(plugin): \(fraction) \(message ?? "")") } }
}
