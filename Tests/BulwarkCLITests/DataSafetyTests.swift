import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The faults of issue #12 ("no false success, no lost checkpoint, nothing out of
/// bounds"), each met from the command line as a user meets it. docs/testing.md lists
/// which test covers which fault.
@Suite final class DataSafetyTests {
    let directory: URL
    var environment: [String: String]
    var bank: String { directory.appendingPathComponent("bank.sqlite").path }

    /// The tests write hundreds of megabytes each: nothing is left behind.
    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        let directory = try TestSupport.temporaryDirectory("safety")
        let providers = directory.appendingPathComponent("providers")
        var environment = ProcessInfo.processInfo.environment
        environment["BULWARK_PROVIDERS"] = providers.path
        environment["BULWARK_STATE"] = directory.appendingPathComponent("state.sqlite").path
        self.directory = directory
        self.environment = environment
        try FileManager.default.createDirectory(at: providers, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("files"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("small"), withIntermediateDirectories: true)
        try write("providers/files.yaml", """
            id: files
            name: Files
            lease_ttl: 6
            protectables:
              Demo::Folder: {roots: [\(directory.path)/files, \(directory.path)/small]}
              Demo::File: {}
            plugins: [bulwark-demo-protection]
            bank:
              plugin: sqlite
              options: {path: \(bank), abandoned_upload_seconds: 1}
            """)
        try write("providers/sim.yaml", """
            id: sim
            name: Simulated
            lease_ttl: 2
            protectables:
              Sim::Project: {}
              Sim::Pod: {pods: 2}
              Sim::Volume: {volumes: 2}
            plugins: [bulwark-sim-protection]
            bank:
              plugin: sqlite
              options: {path: \(directory.appendingPathComponent("sim.sqlite").path)}
            """)
        try write("big-plan.yaml", "provider_id: files\nresources: [{type: Demo::Folder, id: \(directory.path)/files, name: files}]\n")
        try write("small-plan.yaml", "provider_id: files\nresources: [{type: Demo::Folder, id: \(directory.path)/small, name: small}]\n")
        try write("small/a.txt", "a small file\n")
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func bulwark(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.bulwark(arguments, environment: environment)
    }

    func start(_ arguments: [String], _ label: String) throws -> BackgroundProcess {
        try TestSupport.startBulwark(arguments, environment: environment, directory: directory, label: label)
    }

    /// A file of `megabytes` MiB whose every 4 KiB block differs (so no layer could
    /// shortcut it), in files/.
    func bigFile(megabytes: Int) throws -> String {
        let file = path("files/big.bin")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for m in 0..<megabytes {
            for i in stride(from: 0, to: block.count, by: 4096) { block[i] = UInt8(truncatingIfNeeded: m); block[i + 1] = UInt8(truncatingIfNeeded: i >> 12) }
            handle.write(Data(block))
        }
        try handle.close()
        return file
    }

    func json(_ result: TestSupport.ProcessResult) throws -> JSON {
        #expect(result.status == 0, "\(result.stderr)")
        return try JSON.parse(result.stdout)
    }

    /// Rows of a query on an SQLite file, by Python's sqlite3 (a reader of its own).
    func sql(_ file: String, _ query: String) throws -> String {
        let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=60); print('\\n'.join('|'.join(str(v) for v in r) for r in c.execute(sys.argv[2]))); c.commit()"
        let result = try TestSupport.run("/usr/bin/env", ["python3", "-c", script, file, query])
        guard result.status == 0 else { throw TestSupportError("\(query): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: 1, 2: a large object neither loses its run's lease nor blocks the bank

    @Test func largeObjectKeepsItsLeaseAndBlocksNobody() throws {
        _ = try bigFile(megabytes: 200)
        let protect = try start(["protect", "--provider", "files", "--plan", path("big-plan.yaml")], "big")
        // While it runs (the 200 MiB write and its commit), other commands keep working:
        // listing (which recovers expired runs) never finds the live run expired, and a
        // small protect into the same bank goes through.
        var small: TestSupport.ProcessResult?
        var listings = 0
        while protect.process.isRunning {
            let list = try bulwark(["checkpoint", "list", "--provider", "files", "--output", "json"])
            #expect(list.status == 0, "checkpoint list failed during the large write: \(list.stderr)")
            #expect(!list.stderr.contains("locked"))
            for checkpoint in (try? JSON.parse(list.stdout))?.arrayValue ?? [] {
                #expect(checkpoint["status"] != "error", "a live run was marked error: \(checkpoint)")
            }
            listings += 1
            if small == nil, listings >= 2 {
                small = try bulwark(["protect", "--provider", "files", "--plan", path("small-plan.yaml")])
                #expect(small?.status == 0, "a small protect during the large write failed: \(small?.stderr ?? "")")
            }
        }
        #expect(protect.wait() == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try json(try bulwark(["checkpoint", "show", id, "--provider", "files", "--output", "json"]))
        #expect(shown["status"] == "available")

        // The stored object reads back whole.
        try write("restore.yaml", "Demo::Folder: {target: \(path("restored"))}\n")
        try FileManager.default.createDirectory(atPath: path("restored"), withIntermediateDirectories: true)
        let restore = try bulwark(["restore", "create", "--provider", "files", "--checkpoint", id, "--parameters", path("restore.yaml")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(FileManager.default.contentsEqual(atPath: path("files/big.bin"), andPath: path("restored/files/big.bin")))
    }

    /// A run whose lease is taken from it stops and fails; it never reports success.
    @Test func aRunThatLosesItsLeaseFails() throws {
        try write("slow.yaml", "provider_id: sim\nresources: [{type: Sim::Project, id: project}]\nparameters:\n  Sim::Volume: {latency_ms: 1000}\n")
        let protect = try start(["protect", "--provider", "sim", "--plan", path("slow.yaml"), "--concurrency", "1"], "slow")
        let simBank = path("sim.sqlite")
        try TestSupport.waitFor("the run's lease") { FileManager.default.fileExists(atPath: simBank) && (try? sql(simBank, "SELECT count(*) FROM leases")) == "1" }
        _ = try sql(simBank, "UPDATE leases SET owner = 'another-engine', expires_at = expires_at + 3600")
        #expect(protect.wait() == 1)
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Lost while hooks run ("the run stopped: ...") or found at the last renewal before
        // the outcome is recorded ("could not confirm its lease ..."): a failure either way.
        #expect(protect.stderr.contains("error: checkpoint \(id) failed: the run "), "\(protect.stderr)")
        #expect(protect.stderr.contains("its lease was taken over: bulwark-sqlite-bank: lease owner-"), "\(protect.stderr)")
        let shown = try json(try bulwark(["checkpoint", "show", id, "--provider", "sim", "--output", "json"]))
        #expect(shown["status"] == "error")
    }

    // MARK: 3, 4: a plugin's exit() and a hook that never returns

    @Test func aPluginCallingExitFailsTheRun() throws {
        try write("exit.yaml", "provider_id: sim\nresources: [{type: Sim::Project, id: project}]\nparameters:\n  Sim::Volume#vol-1-0: {exit: {vol-1-0: 0}}\n")
        let result = try bulwark(["protect", "--provider", "sim", "--plan", path("exit.yaml")])
        #expect(result.status == 70, "\(result.stderr)")
        #expect(result.stderr.contains("failed: a plugin ended the process with exit(0) while the run was going on"), "\(result.stderr)")
        let list = try json(try bulwark(["checkpoint", "list", "--provider", "sim", "--output", "json"]))
        #expect(list[0]?["status"] == "error")
        #expect(list[0]?["error"] == "a plugin ended the process with exit(0) while the run was going on")
    }

    func startHangingProtect(_ extra: [String]) throws -> BackgroundProcess {
        try write("hang.yaml", "provider_id: sim\nresources: [{type: Sim::Project, id: project}]\nparameters:\n  Sim::Volume#vol-0-0: {hang: [vol-0-0]}\n")
        let protect = try start(["protect", "--provider", "sim", "--plan", path("hang.yaml")] + extra, "hang")
        try TestSupport.waitFor("the flow to start") { protect.stderr.contains("protect: ") }
        return protect
    }

    func expectCancelledCheckpoint(_ protect: BackgroundProcess) throws {
        let list = try json(try bulwark(["checkpoint", "list", "--provider", "sim", "--output", "json"]))
        #expect(list[0]?["status"] == "error")
        #expect(list[0]?["error"]?.stringValue?.hasPrefix("cancelled; the process was stopped") == true, "\(list)")
    }

    @Test func aSecondSignalStopsAHookThatNeverReturns() throws {
        let protect = try startHangingProtect([])
        protect.process.interrupt()
        try TestSupport.waitFor("the first signal to be taken") { protect.stderr.contains("interrupt again") }
        protect.process.interrupt()
        #expect(protect.wait() == 130)
        #expect(protect.stderr.contains("failed: cancelled; the process was stopped (interrupted again)"), "\(protect.stderr)")
        try expectCancelledCheckpoint(protect)
    }

    @Test func theGracePeriodStopsAHookThatNeverReturns() throws {
        let protect = try startHangingProtect(["--cancel-grace", "1"])
        protect.process.terminate()
        #expect(protect.wait() == 130)
        #expect(protect.stderr.contains("hooks still running 1 s after the interrupt"), "\(protect.stderr)")
        try expectCancelledCheckpoint(protect)
    }

    /// `hook_timeout` (issue #15, item 3): a hook that never returns and ignores its
    /// cancellation fails its run on its own, with no signal; the CLI does not die, the
    /// checkpoint ends `error`, and the next run succeeds.
    @Test func aHookPastItsTimeoutFailsTheRunAndTheNextSucceeds() throws {
        try write("providers/sim-timeout.yaml", """
            id: sim-timeout
            name: Simulated, with a short hook timeout
            hook_timeout: 1
            hook_cancel_grace: 1
            protectables: {Sim::Project: {}, Sim::Pod: {pods: 2}, Sim::Volume: {volumes: 2}}
            plugins: [bulwark-sim-protection]
            bank: {plugin: sqlite, options: {path: \(path("timeout.sqlite"))}}
            """)
        try write("hang-timeout.yaml", "provider_id: sim-timeout\nresources: [{type: Sim::Project, id: project}]\nparameters:\n  Sim::Volume#vol-0-0: {hang: [vol-0-0]}\n")
        let hung = try bulwark(["protect", "--provider", "sim-timeout", "--plan", path("hang-timeout.yaml")])
        let why = "Sim::Volume vol-0-0 (volume 0 of pod 0): on_main: bulwark-sim-protection timed out after 1 s and did not return within 1 s of its cancellation; its thread was abandoned"
        #expect(hung.status == 1, "\(hung.stderr)")
        #expect(hung.stderr.contains("failed: \(why)"), "\(hung.stderr)")
        let list = try json(try bulwark(["checkpoint", "list", "--provider", "sim-timeout", "--output", "json"]))
        #expect(list[0]?["status"] == "error")
        #expect(list[0]?["error"]?.stringValue == why)

        try write("fine.yaml", "provider_id: sim-timeout\nresources: [{type: Sim::Project, id: project}]\n")
        let fine = try bulwark(["protect", "--provider", "sim-timeout", "--plan", path("fine.yaml")])
        #expect(fine.status == 0, "\(fine.stderr)")
        let id = fine.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try json(try bulwark(["checkpoint", "show", id, "--provider", "sim-timeout", "--output", "json"]))["status"] == "available")
    }

    // MARK: 5, 6: kill -9 during a restore and during a large write

    @Test func aKilledRestoreIsRecoveredAndLeavesNoPartialFile() throws {
        _ = try bigFile(megabytes: 200)
        let protect = try bulwark(["protect", "--provider", "files", "--plan", path("big-plan.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try write("restore.yaml", "Demo::Folder: {target: \(path("restored"))}\n")
        try FileManager.default.createDirectory(atPath: path("restored"), withIntermediateDirectories: true)
        let restore = try start(["restore", "create", "--provider", "files", "--checkpoint", id, "--parameters", path("restore.yaml")], "restore")
        // The folder is made before the files: once it exists, the big file is being written.
        try TestSupport.waitFor("the restore to start writing", poll: 0.01) { FileManager.default.fileExists(atPath: path("restored/files")) }
        kill(restore.process.processIdentifier, SIGKILL)
        _ = restore.wait()

        let left = try FileManager.default.contentsOfDirectory(atPath: path("restored/files"))
        #expect(left.allSatisfy { $0 == "big.bin" }, "partial files left in the target: \(left)")
        // Once its lease (lease_ttl 6) has expired, the restore is failed, not in_progress for ever.
        var record: JSON = .null
        try TestSupport.waitFor("the killed restore to be recovered") {
            record = try json(try bulwark(["restore", "list", "--output", "json"]))[0] ?? .null
            return record["status"] != "in_progress"
        }
        #expect(record["status"] == "fail")
        #expect(record["error"]?.stringValue?.hasSuffix("stopped before it finished; its lease expired") == true, "\(record)")
    }

    @Test func aKilledLargeWriteIsReclaimedAndTheBankShrinks() throws {
        _ = try bigFile(megabytes: 200)
        let protect = try start(["protect", "--provider", "files", "--plan", path("big-plan.yaml")], "killed")
        // Killed as soon as its upload has begun: most of the 200 MiB is still to come.
        try TestSupport.waitFor("the large write to be under way", poll: 0.01) {
            guard FileManager.default.fileExists(atPath: bank) else { return false }
            return Int((try? sql(bank, "SELECT count(*) FROM pending")) ?? "") ?? 0 >= 1
        }
        kill(protect.process.processIdentifier, SIGKILL)
        _ = protect.wait()
        #expect(try sql(bank, "SELECT count(*) FROM pending") == "1")

        // The next command to open the bank reclaims the dead process's upload (its
        // process is gone and it has not been touched for abandoned_upload_seconds).
        try TestSupport.waitFor("the abandoned upload to be reclaimed", timeout: 120, poll: 0.5) {
            _ = try bulwark(["checkpoint", "list", "--provider", "files"])
            return try sql(bank, "SELECT count(*) FROM pending") == "0"
        }
        #expect(try sql(bank, "SELECT count(*) FROM chunks") == "0")
        #expect(try sql(bank, "SELECT count(*) FROM garbage") == "0")

        // Deleting the failed checkpoint, then a new protect and its deletion, leave the
        // file small: freed pages go back to the file system.
        try TestSupport.waitFor("the killed run to be marked error", poll: 0.5) {
            try json(try bulwark(["checkpoint", "list", "--provider", "files", "--output", "json"]))[0]?["status"] == "error"
        }
        let failed = try #require(try json(try bulwark(["checkpoint", "list", "--provider", "files", "--output", "json"]))[0]?["id"]?.stringValue)
        #expect(try bulwark(["checkpoint", "delete", failed, "--provider", "files"]).status == 0)
        let again = try bulwark(["protect", "--provider", "files", "--plan", path("big-plan.yaml")])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try bulwark(["checkpoint", "delete", again.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--provider", "files"]).status == 0)
        let size = [bank, bank + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        #expect(size < 8 << 20, "the bank and its WAL are \(size) bytes after every checkpoint was deleted")
    }

    // MARK: 7, 8: nothing outside what the provider offers, nothing outside the target

    @Test func planResourcesMustBeOfferedByTheProvider() throws {
        try write("outside.yaml", "provider_id: files\nresources:\n  - {type: Demo::Folder, id: /etc}\n  - {type: Demo::File, id: /etc/shadow}\n")
        let result = try bulwark(["protect", "--provider", "files", "--plan", path("outside.yaml")])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error: the plan names resources the provider does not offer:"), "\(result.stderr)")
        #expect(result.stderr.contains("Demo::Folder /etc: not offered by provider files"))
        #expect(result.stderr.contains("Demo::File /etc/shadow: not offered by provider files"))
        #expect(try json(try bulwark(["checkpoint", "list", "--provider", "files", "--output", "json"])) == [])
        // A file of an offered folder may be named beside it: it is one of its dependents.
        try write("inside.yaml", "provider_id: files\nresources:\n  - {type: Demo::Folder, id: \(path("small"))}\n  - {type: Demo::File, id: \(path("small/a.txt"))}\n")
        #expect(try bulwark(["protect", "--provider", "files", "--plan", path("inside.yaml")]).status == 0)
    }

    @Test func restoreNeverLeavesItsTarget() throws {
        try write("escape.yaml", "provider_id: files\nresources: [{type: Demo::Folder, id: \(path("small")), name: ../../escaped-folder}]\n")
        let protect = try bulwark(["protect", "--provider", "files", "--plan", path("escape.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        try FileManager.default.createDirectory(atPath: path("target/inner"), withIntermediateDirectories: true)
        try write("restore.yaml", "Demo::Folder: {target: \(path("target/inner"))}\n")
        let restore = try bulwark(["restore", "create", "--provider", "files", "--checkpoint",
                                   protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--parameters", path("restore.yaml")])
        #expect(restore.status == 1)
        #expect(restore.stderr.contains("the stored name \"../../escaped-folder\" cannot be restored under \(path("target/inner")): it has a \"..\" part"), "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("escaped-folder")))
    }

    // MARK: 9: names equal only canonically are two resources

    @Test func canonicallyEqualNamesStayTwoResources() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        try write("small/\(composed)", "composed\n")
        try write("small/\(decomposed)", "decomposed\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("small")).count == 3)
        let protect = try bulwark(["protect", "--provider", "files", "--plan", path("small-plan.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try json(try bulwark(["checkpoint", "show", id, "--provider", "files", "--output", "json"]))
        let files = (shown["resources"]?.arrayValue ?? []).filter { $0["type"] == "Demo::File" }
        #expect(files.count == 3, "\(files)")
        #expect(files.allSatisfy { $0["status"] == "available" })

        try FileManager.default.createDirectory(atPath: path("restored"), withIntermediateDirectories: true)
        try write("restore.yaml", "Demo::Folder: {target: \(path("restored"))}\n")
        let restore = try bulwark(["restore", "create", "--provider", "files", "--checkpoint", id, "--parameters", path("restore.yaml")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try String(contentsOfFile: path("restored/small/\(composed)"), encoding: .utf8) == "composed\n")
        #expect(try String(contentsOfFile: path("restored/small/\(decomposed)"), encoding: .utf8) == "decomposed\n")
    }

    // MARK: 10: secrets are never echoed

    @Test func aSecretOptionIsNeverShownInAnError() throws {
        try write("providers/swift.yaml", """
            id: swiftbank
            name: Swift
            plugins: [bulwark-demo-protection]
            bank:
              plugin: bulwark-swift-bank
              options: {auth_url: "http://127.0.0.1:8080/auth/v1.0", user: "test:tester", key: 87654321987, container: c}
            """)
        let result = try bulwark(["provider", "show", "swiftbank"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("swift.yaml:6:84: options for bulwark-swift-bank: /key: expected a string, got integer (value hidden: writeOnly)"), "\(result.stderr)")
        #expect(!result.stderr.contains("87654321987"))
        #expect(!result.stdout.contains("87654321987"))
    }

    // MARK: 11, 12: a truncated library, and one provider's broken plugins

    /// A shipped library cut in half, in a directory of its own.
    func truncatedLibrary() throws -> (directory: String, file: String) {
        let plugins = path("broken-plugins")
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        let whole = try Data(contentsOf: URL(fileURLWithPath: TestSupport.shippedPlugin("BulwarkNoop")))
        let file = plugins + "/libtruncated.so"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: file))
        return (plugins, file)
    }

    @Test func aTruncatedLibraryIsNamedNotFatal() throws {
        let (plugins, file) = try truncatedLibrary()
        let result = try bulwark(["plugin", "list", "--plugin-path", plugins])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("error: \(file): truncated: "), "\(result.stderr)")
        #expect(result.stderr.contains("(an incomplete copy?)"))
    }

    @Test func aCheckpointIsFoundWhateverOtherProvidersLoad() throws {
        let (plugins, _) = try truncatedLibrary()
        // Listed first, and broken: its plugin path holds a truncated library and it
        // names a protection plugin that does not exist.
        try write("providers/0-broken.yaml", """
            id: broken
            name: Broken
            plugin_path: [\(plugins)]
            plugins: [no-such-protection]
            bank: {plugin: sqlite, options: {path: \(path("broken.sqlite"))}}
            """)
        try write("plan.yaml", "provider_id: sim\nresources: [{type: Sim::Project, id: project}]\n")
        let protect = try bulwark(["protect", "--provider", "sim", "--plan", path("plan.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let show = try bulwark(["checkpoint", "show", id, "--output", "json"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(try JSON.parse(show.stdout)["provider_id"] == "sim")
        let delete = try bulwark(["checkpoint", "delete", id])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(delete.stdout == "deleted \(id)\n")
    }

    // MARK: 13: messages that give the cause

    @Test func unreadableProviderFilesSayWhy() throws {
        let providers = path("providers")
        try FileManager.default.createDirectory(atPath: providers + "/folder.yaml", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: providers + "/loop.yaml", withDestinationPath: providers + "/loop.yaml")
        #expect(mkfifo(providers + "/fifo.yaml", 0o644) == 0)
        var bytes = Array("id: badutf\nname: B\nplugins: [bulwark-demo-protection]\nbank: {plugin: sqlite, options: {path: data/b".utf8)
        bytes += [0xFF] + Array("ank}\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: providers + "/utf.yaml"))
        let result = try bulwark(["provider", "list"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("files") && result.stdout.contains("sim"), "the good providers still load: \(result.stdout)")
        for expected in ["folder.yaml: cannot read the file: it is a directory",
                         "loop.yaml: cannot read the file: Too many levels of symbolic links",
                         "fifo.yaml: cannot read the file: it is a FIFO (named pipe), not a regular file",
                         "utf.yaml:4:46: the file is not valid UTF-8 here (byte 0xff); save it as UTF-8"] {
            #expect(result.stderr.contains(expected), "\(expected) in \(result.stderr)")
        }
    }

    @Test func controlCharactersInNamesReachNoTerminalRaw() throws {
        try write("named.yaml", "id: named\nname: \"evil\\e]0;pwned\\a\\e[2J\"\nprovider_id: sim\nresources: [{type: Sim::Project, id: project, name: \"p\\e[31m\"}]\n")
        let protect = try bulwark(["protect", "--provider", "sim", "--plan", path("named.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let list = try bulwark(["checkpoint", "list", "--provider", "sim"])
        #expect(list.stdout.contains("evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"), "\(list.stdout)")
        let show = try bulwark(["checkpoint", "show", id, "--provider", "sim"])
        #expect(show.stdout.contains("plan: evil\\u{1b}]0;pwned"))
        #expect(show.stdout.contains("p\\u{1b}[31m"))
        for output in [list.stdout, show.stdout, list.stderr, show.stderr] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        }
        // JSON output keeps the names exactly (escaped by JSON itself).
        let json = try JSON.parse(try bulwark(["checkpoint", "list", "--provider", "sim", "--output", "json"]).stdout)
        #expect(json[0]?["protection_plan"]?["name"] == "evil\u{1b}]0;pwned\u{7}\u{1b}[2J")
    }

    @Test func theDirectoryBankStoresLongResourceIds() throws {
        // A file whose path, hex-encoded as its bank key part, is far longer than a file name may be.
        let deep = path("small/" + String(repeating: "d", count: 120))
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let name = String(repeating: "n", count: 200)
        try write("small/\(String(repeating: "d", count: 120))/\(name)", "long\n")
        try write("providers/dir.yaml", """
            id: dir
            name: Directory bank
            protectables:
              Demo::Folder: {roots: [\(deep)]}
              Demo::File: {}
            plugins: [bulwark-demo-protection]
            bank: {plugin: directory, options: {path: \(path("dirbank"))}}
            """)
        try write("deep.yaml", "provider_id: dir\nresources: [{type: Demo::Folder, id: \(deep), name: deep}]\n")
        let protect = try bulwark(["protect", "--provider", "dir", "--plan", path("deep.yaml")])
        #expect(protect.status == 0, "\(protect.stderr)")
        let id = protect.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try json(try bulwark(["checkpoint", "show", id, "--provider", "dir", "--output", "json"]))
        #expect(shown["resources"]?.arrayValue?.allSatisfy { $0["status"] == "available" } == true, "\(shown)")
        try FileManager.default.createDirectory(atPath: path("restored"), withIntermediateDirectories: true)
        try write("restore.yaml", "Demo::Folder: {target: \(path("restored"))}\n")
        let restore = try bulwark(["restore", "create", "--provider", "dir", "--checkpoint", id, "--parameters", path("restore.yaml")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try String(contentsOfFile: path("restored/deep/\(name)"), encoding: .utf8) == "long\n")
        #expect(try bulwark(["checkpoint", "delete", id, "--provider", "dir"]).status == 0)
        #expect(try json(try bulwark(["checkpoint", "list", "--provider", "dir", "--output", "json"])) == [])
    }

    // MARK: 11: bounded inputs

    @Test func planIDsThatAreNotNamesAreRefusedBeforeAnythingIsWritten() throws {
        for id in [".", ".."] {
            try write("dot.yaml", "id: \"\(id)\"\nprovider_id: sim\nresources: [{type: Sim::Project, id: project}]\n")
            let result = try bulwark(["protect", "--provider", "sim", "--plan", path("dot.yaml")])
            #expect(result.status == 1)
            #expect(result.stderr.contains("dot.yaml:1:5: /id: must not match the schema in not"), "\(result.stderr)")
        }
        #expect(try json(try bulwark(["checkpoint", "list", "--provider", "sim", "--output", "json"])) == [])
    }

    @Test func outOfRangeOptionsAreRefusedByName() throws {
        let cases: [([String], String)] = [
            (["protect", "--provider", "sim", "--plan", "p.yaml", "--concurrency", "10000000"], "--concurrency must be a whole number from 1 to 4096 (got 10000000)"),
            (["protect", "--provider", "sim", "--plan", "p.yaml", "--concurrency", "-1"], "--concurrency must be a whole number from 1 to 4096 (got -1)"),
            (["checkpoint", "list", "--provider", "sim", "--limit", "-1"], "--limit must be 0 (all) or a positive number (got -1)"),
            (["checkpoint", "list", "--provider", "sim", "--start-date", "2024-13-45"], "--start-date must be a day of the calendar as YYYY-MM-DD (got 2024-13-45)"),
            (["checkpoint", "list", "--provider", "sim", "--end-date", "2023-02-29"], "--end-date must be a day of the calendar as YYYY-MM-DD (got 2023-02-29)"),
        ]
        for (arguments, message) in cases {
            let result = try bulwark(arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
