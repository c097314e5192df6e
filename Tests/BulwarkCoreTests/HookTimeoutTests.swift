import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// `hook_timeout` (issue #15, item 3), in process: a hook past its time is cancelled; one
/// that does not return within the grace after that is abandoned, its resource fails and
/// its services are closed. The plugin is a C fixture (Fixtures/slow_plugin.c).
@Suite struct HookTimeoutTests {
    let directory: URL
    let plugins: URL

    init() throws {
        directory = try TestSupport.temporaryDirectory("hook-timeout")
        plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/slow_plugin.c"], output: plugins.appendingPathComponent("libslow.so"))
    }

    /// A provider whose only resource (the simulated project) is protected by slow-protection.
    func provider(_ settings: String, plugin: String) throws -> Provider {
        let file = directory.appendingPathComponent("p-\(UUID().uuidString).yaml")
        try """
            id: slow
            name: Slow
            plugin_path: [\(plugins.path)]
            \(settings)
            protectables: {Sim::Project: {}}
            plugins: [\(plugin)]
            bank: {plugin: sqlite, options: {path: \(directory.appendingPathComponent("bank.sqlite").path)}}
            """.write(to: file, atomically: true, encoding: .utf8)
        return try Provider.open(try ProviderConfig.read(file.path))
    }

    let project = Resource(type: "Sim::Project", id: "project", name: "simulated project")

    func protect(_ provider: Provider) throws -> Checkpoint {
        try Engine(provider: provider).protect(Plan(id: "plan", name: "plan", providerID: "slow", resources: [project]))
    }

    func status(_ provider: Provider, _ checkpoint: Checkpoint) throws -> JSON? {
        try provider.bank.getJSON(BankLayout.status(checkpoint.id, project))
    }

    @Test func aHookPastItsTimeoutIsCancelledAndFailsItsResource() throws {
        // It would sleep an hour; it returns once is_cancelled says so.
        let slow = try provider("hook_timeout: 1", plugin: "{name: slow-protection, options: {seconds: 3600, honour: true}}")
        let failed = try protect(slow)
        #expect(failed.status == "error")
        let expected = "Sim::Project project (simulated project): on_main: slow-protection timed out after 1 s; it was cancelled and returned: slow-protection: stopped: cancelled"
        #expect(failed.error == expected)
        #expect(try status(slow, failed)?["status"] == "error")

        // The plugin's own entry overrides the provider's limit: the next run succeeds.
        let patient = try provider("hook_timeout: 1", plugin: "{name: slow-protection, hook_timeout: 600, options: {seconds: 1.5, honour: true}}")
        let done = try protect(patient)
        #expect(done.status == "available", "\(done.error ?? "")")
        #expect(try status(patient, done)?["status"] == "available")
    }

    @Test func aHookThatIgnoresCancellationIsAbandonedAndItsServicesClosed() throws {
        let late = directory.appendingPathComponent("late-status")
        // It ignores cancellation for 20 s (long past the run's end, even on a busy
        // machine), then tries to write into its section.
        let stuck = try provider("hook_timeout: 0.5\nhook_cancel_grace: 0.5",
                                 plugin: "{name: slow-protection, options: {seconds: 20, late: \"\(late.path)\"}}")
        let failed = try protect(stuck)
        #expect(failed.status == "error")
        #expect(failed.error == "Sim::Project project (simulated project): on_main: slow-protection timed out after 0.5 s and did not return within 0.5 s of its cancellation; its thread was abandoned")
        // The run ended before the hook did: the plugin has not tried its late write yet.
        #expect(!FileManager.default.fileExists(atPath: late.path))
        #expect(try status(stuck, failed)?["status"] == "error")

        // When the abandoned hook finally writes, the host refuses (BULWARK_CANCELLED = 4)
        // and nothing reaches the bank.
        try TestSupport.waitFor("the abandoned hook's late write") {
            ((try? String(contentsOf: late, encoding: .utf8)) ?? "").hasSuffix("\n")
        }
        #expect(try String(contentsOf: late, encoding: .utf8) == "4\n")
        #expect(try stuck.bank.get(BankLayout.resourceData(failed.id, project) + "/late") == nil)
        #expect(try stuck.bank.getJSON(BankLayout.index(failed.id))?["status"] == "error")

        // The next run, with time enough, succeeds.
        let patient = try provider("hook_timeout: 600", plugin: "{name: slow-protection, options: {seconds: 0.2}}")
        #expect(try protect(patient).status == "available")
    }
}
