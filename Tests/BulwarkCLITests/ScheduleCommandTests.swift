import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// `bulwark trigger ...`, `bulwark schedule ...` and plan hooks from the command line, on
/// a catalog of their own: what a server would then run.
@Suite final class ScheduleCommandTests {
    let directory: URL
    var catalog: String { directory.appendingPathComponent("catalog.sqlite").path }
    var hookLog: String { directory.appendingPathComponent("hooks.log").path }

    deinit { try? FileManager.default.removeItem(at: directory) }

    init() throws {
        directory = try ServeFixture.demo("schedule-cli")
        let provider = directory.appendingPathComponent("providers/demo.yaml")
        let text = try String(contentsOf: provider, encoding: .utf8) + """

            hooks:
              lock: {command: [/bin/sh, -c, 'echo "pre $BULWARK_HOOK_PHASE $BULWARK_CHECKPOINT_ID" >> \(hookLog)']}
              refuse: {command: [/bin/sh, -c, 'echo busy; exit 4']}
              unlock: {command: [/bin/sh, -c, 'echo "post $BULWARK_STATUS $BULWARK_CHECKPOINT_ID" >> \(hookLog)']}
            """
        try text.write(to: provider, atomically: true, encoding: .utf8)
        try """
            resources: [{id: files, type: Demo::Folder, name: files}]
            """.write(to: directory.appendingPathComponent("plan.yaml"), atomically: true, encoding: .utf8)
    }

    func bulwark(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        let shell = "cd '\(directory.path)' && exec '\(TestSupport.buildDirectory.path)/bulwark' \"$@\""
        return try TestSupport.run("/bin/sh", ["-c", shell, "bulwark"] + arguments + ["--catalog", catalog, "--providers", "providers"],
                                   environment: ProcessInfo.processInfo.environment)
    }

    func ok(_ arguments: [String]) throws -> String {
        let r = try bulwark(arguments)
        guard r.status == 0 else { throw TestSupportError("bulwark \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func triggersAndSchedulesAreKeptCheckedAndPreviewed() throws {
        let tooOften = try bulwark(["trigger", "create", "t", "--format", "crontab", "--pattern", "*/5 * * * *"])
        #expect(tooOften.status != 0 && tooOften.stderr.contains("--pattern: fires 300 s apart"), "\(tooOften.stderr)")
        let trigger = try ok(["trigger", "create", "nightly", "--format", "crontab", "--pattern", "30 2 * * *",
                              "--timezone", "Europe/Berlin", "--start-time", "2026-03-01 00:00:00"])
        #expect(try ok(["trigger", "list"]).contains(trigger))
        let preview = try ok(["trigger", "preview", trigger, "--start", "2026-03-28", "--count", "2"])
        #expect(preview == "2026-03-28T02:30:00+01:00\n2026-03-29T03:30:00+02:00")
        _ = try ok(["trigger", "update", trigger, "--window", "1800"])
        #expect(try ok(["trigger", "show", trigger]).contains("window: 1800"))

        let plan = try ok(["plan", "create", "plan.yaml", "--provider", "demo", "--name", "files"])
        let mixed = try bulwark(["schedule", "create", "s", "--trigger", trigger, "--plan", plan, "--max-backups", "2", "--keep-daily", "7"])
        #expect(mixed.status != 0 && mixed.stderr.contains("cannot be combined with max_backups"), "\(mixed.stderr)")
        let schedule = try ok(["schedule", "create", "s", "--trigger", trigger, "--plan", plan, "--keep-daily", "7", "--keep-weekly", "4"])
        let shown = try ok(["schedule", "show", schedule])
        #expect(shown.contains("type: retention_protect") && shown.contains("keep_weekly: 4") && shown.contains("enabled: true"), "\(shown)")
        _ = try ok(["schedule", "pause", schedule])
        #expect(try ok(["schedule", "list"]).contains("paused"))
        _ = try ok(["schedule", "resume", schedule])
        let inUse = try bulwark(["trigger", "delete", trigger])
        #expect(inUse.status != 0 && inUse.stderr.contains("is used by scheduled operation \(schedule)"), "\(inUse.stderr)")
        _ = try ok(["schedule", "delete", schedule])
        _ = try ok(["trigger", "delete", trigger])
        #expect(try ok(["trigger", "list", "--output", "json"]) == "[]")
    }

    @Test func theCLIRunsAPlansProtectHooks() throws {
        let unknown = try bulwark(["plan", "create", "plan.yaml", "--provider", "demo", "--hook", "pre_protect=nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("defines no hook nope"), "\(unknown.stderr)")
        let plan = try ok(["plan", "create", "plan.yaml", "--provider", "demo", "--hook", "pre_protect=lock", "--hook", "post_protect=unlock"])
        let checkpoint = try ok(["protect", "--provider", "demo", "--plan-id", plan])
        let log = (try? String(contentsOfFile: hookLog, encoding: .utf8)) ?? ""
        #expect(log.contains("pre pre_protect \(checkpoint)") && log.contains("post available \(checkpoint)"), "\(log)")

        _ = try ok(["plan", "update", plan, "--hook", "pre_protect=refuse", "--hook", "post_protect=unlock"])
        let refused = try bulwark(["protect", "--provider", "demo", "--plan-id", plan])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("pre_protect hook refuse: exit status 4; last output: busy"), "\(refused.stderr)")
        #expect(((try? String(contentsOfFile: hookLog, encoding: .utf8)) ?? "").contains("post error"), "the post hook ran after the refusal")

        // Restore hooks: a refusing pre_restore fails the restore, naming the hook; post_restore still runs.
        _ = try ok(["plan", "update", plan, "--hook", "pre_restore=refuse", "--hook", "post_restore=unlock"])
        let restore = try bulwark(["restore", "create", "--provider", "demo", "--checkpoint", checkpoint])
        #expect(restore.status != 0 && restore.stderr.contains("pre_restore hook refuse: exit status 4"), "\(restore.stderr)")
        #expect(((try? String(contentsOfFile: hookLog, encoding: .utf8)) ?? "").contains("post fail"), "the post_restore hook ran")
    }
}
