import BulwarkOpenStack
import BulwarkPluginKit
import Glibc

/// Protection for `OS::Cinder::Volume` in Karbor's two ways, two plugins in one library:
///
/// - `bulwark-volume-backup-protection` (Karbor's cinder backup plugin): snapshot (force)
///   -> backup from the snapshot (full or incremental) -> poll to available -> delete the
///   snapshot. Restore: the backup into a new volume (or `volume_id`). Delete: the backup.
/// - `bulwark-volume-snapshot-protection` (Karbor's volume snapshot plugin): snapshot ->
///   poll. Restore: a new volume from the snapshot. Delete: the snapshot.
///
/// Each records its progress in `volume.json` as it goes, so a failed or interrupted run
/// leaves a record of what to clean up; a failed protect removes what it made.
struct VolumeBackupProtection: CinderVolumeProtection {
    static let name = "bulwark-volume-backup-protection"
    static let aliases = ["karbor-volume-protection-plugin", "cinder_backup"]
    static let mode = VolumeOperations.Mode.backup
    let volumes: VolumeOperations
}

struct VolumeSnapshotProtection: CinderVolumeProtection {
    static let name = "bulwark-volume-snapshot-protection"
    static let aliases = ["karbor-volume-snapshot-plugin", "volume_snapshot"]
    static let mode = VolumeOperations.Mode.snapshot
    let volumes: VolumeOperations
}

/// What the two plugins share: everything but their names and mode. Their schemas are
/// `schemas/volume_<mode>_options.json` and `_restore.json`, and one saved-info schema.
protocol CinderVolumeProtection: ProtectionPlugin {
    static var mode: VolumeOperations.Mode { get }
    var volumes: VolumeOperations { get }
    init(volumes: VolumeOperations)
}

extension CinderVolumeProtection {
    static var resourceTypes: [String] { ["OS::Cinder::Volume"] }
    static var configSchema: JSON? { OpenStackOptions.cinderSchema() }
    static var schemas: [String: ResourceSchemas] {
        ["OS::Cinder::Volume": ResourceSchemas(options: schemaFile("volume_\(mode.rawValue)_options"),
                                               restore: schemaFile("volume_\(mode.rawValue)_restore"),
                                               savedInfo: schemaFile("volume_backup_saved_info"))]
    }
    static var operations: [OperationKind: Set<Hook>] { [.protect: [.main], .restore: [.main], .delete: [.main]] }

    init(configuration: JSON, context: borrowing PluginContext) throws {
        self.init(volumes: try VolumeOperations(configuration))
    }

    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws {
        try volumes.run(operation, mode: Self.mode, input: input, context: context)
    }
}

/// The work of both plugins, by mode.
struct VolumeOperations: Sendable {
    enum Mode: String { case backup, snapshot }

    let cinder: CinderClient
    let pollInterval: Double
    let timeout: Double
    let cleanupTimeout: Double

    init(_ configuration: JSON) throws {
        cinder = try OpenStackOptions.cinder(configuration)
        pollInterval = configuration["poll_interval"]?.numberValue?.doubleValue ?? 1
        timeout = configuration["timeout"]?.numberValue?.doubleValue ?? 1800
        cleanupTimeout = configuration["cleanup_timeout"]?.numberValue?.doubleValue ?? 1800
    }

    func run(_ operation: OperationKind, mode: Mode, input: HookInput, context: borrowing PluginContext) throws {
        do {
            switch operation {
            case .protect: try protect(mode, input, context: context)
            case .restore: try restore(mode, input, context: context)
            case .delete: try delete(input, context: context)
            case .verify: break
            }
        } catch let error as CinderError {
            throw PluginError.failed(error.description)
        }
    }

    // MARK: protect

    private func protect(_ mode: Mode, _ input: HookInput, context: borrowing PluginContext) throws {
        let volumeID = input.resource.id
        guard let volume = try cinder.show("volumes", volumeID) else { throw PluginError.notFound("Cinder: volume \(volumeID) no longer exists") }
        let p = input.parameters
        let name = (mode == .backup ? p["backup_name"] : p["snapshot_name"])?.stringValue ?? "bulwark-\(input.checkpointID)"
        var info = JSONObject([("mode", .string(mode.rawValue)), ("volume_id", .string(volumeID)),
                               ("size", volume["size"] ?? 0), ("state", "snapshotting")])
        var snapshot = JSONObject([("volume_id", .string(volumeID)), ("name", .string(name)),
                                   ("force", .bool(p["force"]?.boolValue ?? true))])
        if let d = p["description"] { snapshot["description"] = d }
        do {
            let snapshotID = try cinder.create("snapshots", .object(snapshot))
            info["snapshot_id"] = .string(snapshotID)
            try context.put("volume.json", json: .object(info))
            try wait("snapshots", snapshotID, context: context)
            if mode == .backup {
                info["backup_id"] = .string(try backup(volumeID: volumeID, snapshotID: snapshotID, name: name, p, context: context))
                info["state"] = "backing_up"
                try context.put("volume.json", json: .object(info))
                try wait("backups", info["backup_id"]!.stringValue!, context: context)
                try cinder.delete("snapshots", snapshotID)
                try wait("snapshots", snapshotID, deleted: true, context: context)
                info["snapshot_id"] = nil
            }
            info["state"] = "available"
            try context.put("volume.json", json: .object(info))
        } catch {
            let left = cleanUp(info, context: context)
            guard !left.isEmpty else { throw error }
            throw PluginError.failed("\(error); left in Cinder (recorded in the checkpoint, so checkpoint delete removes it): \(left.joined(separator: ", "))")
        }
    }

    private func backup(volumeID: String, snapshotID: String, name: String, _ p: JSON, context: borrowing PluginContext) throws -> String {
        var body = JSONObject([("volume_id", .string(volumeID)), ("snapshot_id", .string(snapshotID)), ("name", .string(name)),
                               ("incremental", .bool(p["backup_mode"]?.stringValue == "incremental")), ("force", true)])
        if let d = p["description"] { body["description"] = d }
        if let c = p["container"] { body["container"] = c }
        let failure: CinderError
        do {
            return try cinder.create("backups", .object(body))
        } catch {
            failure = error
        }
        guard failure.status == 400, body["incremental"] == true, failure.description.contains("ncremental") else { throw failure }
        // No full backup to build on yet: the first backup of a volume is full.
        context.log(.info, "volume \(volumeID): no earlier backup to increment, making a full one (\(failure.description))")
        body["incremental"] = false
        return try cinder.create("backups", .object(body))
    }

    /// After a failed protect: remove the backup and snapshot it made, then its record.
    /// Cinder refuses to delete a backup still `creating`, or a snapshot a backup is being
    /// made from (`backing-up`), so each is waited for until it settles, up to
    /// `cleanup_timeout`. Returns what is left ("snapshot <id> (backing-up)"), which stays
    /// recorded for `checkpoint delete`.
    private func cleanUp(_ info: JSONObject, context: borrowing PluginContext) -> [String] {
        let deadline = ContinuousClock.now + .milliseconds(Int(cleanupTimeout * 1000))
        var left: [String] = []
        for (collection, key) in [("backups", "backup_id"), ("snapshots", "snapshot_id")] {
            guard let id = info[key]?.stringValue else { continue }
            if let status = remove(collection, id, before: deadline) {
                left.append("\(collection.dropLast()) \(id) (\(status))")
                context.log(.warning, "could not remove \(collection.dropLast()) \(id) after the failure: \(status)")
            }
        }
        if left.isEmpty { try? context.delete("volume.json") }
        return left
    }

    /// Statuses in which Cinder refuses a delete, or is still making one.
    private static let settling: Set<String> = ["creating", "backing-up", "restoring", "deleting", "downloading", "uploading", "attaching", "detaching"]

    /// Delete one snapshot or backup once Cinder allows it; nil when it is gone, else why not.
    private func remove(_ collection: String, _ id: String, before deadline: ContinuousClock.Instant) -> String? {
        var asked = false
        while true {
            let status: String
            do {
                guard let object = try cinder.show(collection, id) else { return nil }
                status = object["status"]?.stringValue ?? "unknown"
                if !Self.settling.contains(status) {
                    // available, error: it can go now (a refusal is retried until the deadline).
                    if try cinder.delete(collection, id) == false { return nil }
                    asked = true
                }
            } catch {
                if ContinuousClock.now > deadline { return "\(error)" }
                usleep(UInt32(min(pollInterval, 60) * 1_000_000))
                continue
            }
            if ContinuousClock.now > deadline { return asked ? "still \(status) after the delete" : "still \(status) after \(Int(cleanupTimeout)) s" }
            usleep(UInt32(min(pollInterval, 60) * 1_000_000))
        }
    }

    // MARK: restore

    private func restore(_ mode: Mode, _ input: HookInput, context: borrowing PluginContext) throws {
        guard let info = try context.getJSON("volume.json"), info["state"]?.stringValue == "available" else {
            throw PluginError.failed("volume \(input.resource.id) has no complete \(mode.rawValue) in this checkpoint")
        }
        let p = input.parameters
        let newID: String
        switch mode {
        case .backup:
            guard let backupID = info["backup_id"]?.stringValue else { throw PluginError.failed("the saved record has no backup id") }
            newID = try cinder.restoreBackup(backupID, name: p["restore_name"]?.stringValue, volumeID: p["volume_id"]?.stringValue)
        case .snapshot:
            guard let snapshotID = info["snapshot_id"]?.stringValue else { throw PluginError.failed("the saved record has no snapshot id") }
            var volume = JSONObject([("snapshot_id", .string(snapshotID)), ("size", info["size"] ?? 1)])
            if let n = p["restore_name"] { volume["name"] = n }
            if let d = p["restore_description"] { volume["description"] = d }
            newID = try cinder.create("volumes", .object(volume))
        }
        try wait("volumes", newID, context: context)
        if mode == .backup, let d = p["restore_description"] {
            try cinder.send("PUT", "/volumes/\(newID)", body: ["volume": ["description": d]])
        }
        try context.setNewResource(input.resource.id, newID)
    }

    // MARK: delete

    private func delete(_ input: HookInput, context: borrowing PluginContext) throws {
        if let info = try context.getJSON("volume.json") {
            for (collection, key) in [("backups", "backup_id"), ("snapshots", "snapshot_id")] {
                guard let id = info[key]?.stringValue else { continue }
                if try cinder.delete(collection, id) {
                    try wait(collection, id, deleted: true, context: context)
                }
            }
        }
        for key in try context.list() { try context.delete(key) }
    }

    private func wait(_ collection: String, _ id: String, deleted: Bool = false, context: borrowing PluginContext) throws {
        let until: Set<String> = collection == "volumes" ? ["available", "in-use"] : ["available"]
        let start = ContinuousClock.now
        try cinder.wait(collection, id, until: until, deleted: deleted, interval: pollInterval, timeout: timeout,
                        cancelled: { context.isCancelled })
        context.log(.debug, "\(collection.dropLast()) \(id) \(deleted ? "deleted" : "available") after \(ContinuousClock.now - start)")
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-cinder-protection", version: "1.0.0",
                  protections: [VolumeBackupProtection.self, VolumeSnapshotProtection.self]).export(call, host, out)
}
