import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The service end to end as a Karbor user runs it: python-karborclient 2.1.0, unchanged,
/// against `bulwark serve` in keystone mode with a token from the real test Keystone, on
/// the OS Kubernetes Provider over real Keystone and Cinder and the Kubernetes simulator:
/// a project's pods and their volumes go round through the API.
@Suite(.serialized) struct ServeOpenStackTests {
    @Test func karborClientProtectsAndRestoresPodsWithTheirVolumes() throws {
        let world = try OpenStackKubernetesTests.World("serve-osk", volumePlugin: "bulwark-volume-snapshot-protection")
        let w = try world.makeWorkload()
        let keystone = KeystoneFixture()
        let token = try keystone.token(world.username, password: world.password, project: world.projectID)
        let server = try ServeProcess(config: """
            providers: {directory: \(world.directory.appendingPathComponent("providers").path)}
            catalog: {path: catalog.sqlite}
            \(keystone.serviceAuth(cacheSeconds: 30))
            """, directory: world.directory, environment: world.environment)
        let project = world.projectID
        func karbor(_ arguments: [String]) throws -> String {
            let r = try KarborClient.run(server.url, project: project, token: token, arguments)
            guard r.status == 0 else { throw TestSupportError("karbor \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)\(r.stdout)") }
            return r.stdout
        }
        func properties(_ arguments: [String]) throws -> [String: String] { KarborClient.properties(try karbor(arguments)) }
        func rows(_ arguments: [String]) throws -> [[String]] { KarborClient.rows(try karbor(arguments)) }

        let provider = try #require(try rows(["provider-list"]).first?[0])
        #expect(try properties(["provider-show", provider])["name"] == "OS Kubernetes Provider (test)")
        #expect(Set(try rows(["protectable-list"]).map(\.[0])) == ["OS::Keystone::Project", "OS::Kubernetes::Pod", "OS::Cinder::Volume"])
        #expect(try properties(["protectable-show", "OS::Kubernetes::Pod"])["dependent_types"]?.contains("OS::Cinder::Volume") == true)
        let pods = try rows(["protectable-list-instances", "OS::Kubernetes::Pod"])
        #expect(Set(pods.map(\.[2])) == ["apps:db", "apps:legacy", "apps:web"], "\(pods)")
        let shownProject = try properties(["protectable-show-instance", "OS::Keystone::Project", project])
        #expect(shownProject["dependent_resources"]?.contains(w.csiA) == true)

        // Plan, checkpoint, list by plan and date.
        let plan = try #require(try properties(["plan-create", "apps", provider, "\(project)=OS::Keystone::Project=the project"])["id"])
        #expect(try rows(["plan-list"]).map(\.[0]) == [plan])
        #expect(try properties(["plan-show", plan])["status"] == "suspended")
        #expect(try properties(["plan-update", plan, "--description", "the apps namespace"])["description"] == "the apps namespace")
        let checkpoint = try #require(try properties(["checkpoint-create", provider, plan])["id"])
        try TestSupport.waitFor("checkpoint \(checkpoint) to be available", timeout: 900, poll: 1) {
            let status = try properties(["checkpoint-show", provider, checkpoint])["status"]
            if status == "error" { throw TestSupportError("checkpoint failed: \(try karbor(["checkpoint-show", provider, checkpoint]))") }
            return status == "available"
        }
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(try rows(["checkpoint-list", provider, "--plan_id", plan, "--start_date", today, "--end_date", today]).map(\.[0]) == [checkpoint])
        #expect(try world.cinder.listDetail("snapshots").count == 4)

        // The workload is lost; restore it through the API: the pods run again on new volumes.
        try world.deleteOriginals(w, volumes: false)
        let restore = try #require(try properties(["restore-create", provider, checkpoint])["id"])
        try TestSupport.waitFor("restore \(restore) to succeed", timeout: 900, poll: 1) {
            let status = try properties(["restore-show", restore])["status"]
            if status == "fail" { throw TestSupportError("restore failed: \(try karbor(["restore-show", restore]))") }
            return status == "success"
        }
        #expect(try rows(["restore-list"]).map(\.[0]) == [restore])
        for pod in ["db", "legacy", "web"] {
            #expect(try world.kube.get("/api/v1/namespaces/apps/pods/\(pod)")?["status"]?["phase"] == "Running")
        }
        let legacyVolume = try world.kube.get("/api/v1/namespaces/apps/pods/legacy")?["spec"]?["volumes"]?[0]?["cinder"]?["volumeID"]?.stringValue
        #expect(legacyVolume != nil && legacyVolume != w.inTree)

        // Verification, logs, reset, delete, quotas.
        let verification = try #require(try properties(["verification-create", provider, checkpoint])["id"])
        try TestSupport.waitFor("verification \(verification) to end", timeout: 600, poll: 1) {
            ["success", "fail"].contains(try properties(["verification-show", verification])["status"] ?? "")
        }
        #expect(try properties(["verification-show", verification])["status"] == "success")
        let logs = try rows(["operationlog-list"])
        #expect(Set(logs.map(\.[1])) == ["protect", "restore", "verify"])
        #expect(try properties(["operationlog-show", logs[0][0]])["id"] == logs[0][0])
        _ = try karbor(["checkpoint-reset-state", provider, checkpoint, "--available"])
        _ = try karbor(["checkpoint-delete", provider, checkpoint])
        try TestSupport.waitFor("checkpoint \(checkpoint) to be deleted", timeout: 900, poll: 1) {
            try rows(["checkpoint-list", provider]).isEmpty
        }
        #expect(try world.cinder.listDetail("snapshots").isEmpty, "deleting the checkpoint deletes its snapshots")
        #expect(try properties(["quota-show", "--tenant", project])["plans"] == "50")

        // The OpenStack client's plugin, with the token as an admin token.
        let osc = try TestSupport.run(KarborClient.venv + "/bin/openstack", [
            "--os-auth-type", "admin_token", "--os-token", token, "--os-endpoint", "\(server.url)/v1/\(project)",
            "data", "protection", "plan", "list"])
        #expect(osc.status == 0, "\(osc.stderr)")
        #expect(osc.stdout.contains(plan))

        _ = try karbor(["plan-delete", plan])
        #expect(try rows(["plan-list"]).isEmpty)
        // The Keystone password never reached the server's log.
        #expect(!server.process.stderr.contains(world.password))
        #expect(!server.process.stderr.contains(token))
        server.stop()
    }

    /// Issue #14's end to end: the unchanged client creates a calendar trigger firing every
    /// few seconds (the server's minimum interval lowered) and a retention_protect with
    /// max_backups=2; after several fires exactly two checkpoints are available, the
    /// others were deleted through the plugins (their Cinder backups are gone), the logs
    /// show every run and deletion, and deleting the trigger in use is 424.
    @Test func karborClientSchedulesRetentionProtect() throws {
        let world = try OpenStackKubernetesTests.World("serve-osk-sched", volumePlugin: "bulwark-volume-backup-protection")
        _ = try world.makeWorkload()
        // Three checkpoints of four volumes exist for a moment (two kept, one new) and
        // Cinder's default is 10 backups a project: the operator raises it, as one would.
        _ = try world.cinder.send("PUT", "/os-quota-sets/\(world.projectID)", body: ["quota_set": ["backups": 100, "backup_gigabytes": 10000]])
        let keystone = KeystoneFixture()
        let token = try keystone.token(world.username, password: world.password, project: world.projectID)
        let server = try ServeProcess(config: """
            providers: {directory: \(world.directory.appendingPathComponent("providers").path)}
            catalog: {path: catalog.sqlite}
            scheduler: {minimum_interval_seconds: 5}
            \(keystone.serviceAuth(cacheSeconds: 30))
            """, directory: world.directory, environment: world.environment)
        let project = world.projectID
        func run(_ arguments: [String]) throws -> TestSupport.ProcessResult { try KarborClient.run(server.url, project: project, token: token, arguments) }
        func karbor(_ arguments: [String]) throws -> String {
            let r = try run(arguments)
            guard r.status == 0 else { throw TestSupportError("karbor \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)\(r.stdout)") }
            return r.stdout
        }
        func properties(_ arguments: [String]) throws -> [String: String] { KarborClient.properties(try karbor(arguments)) }
        func rows(_ arguments: [String]) throws -> [[String]] { KarborClient.rows(try karbor(arguments)) }

        let provider = try #require(try rows(["provider-list"]).first?[0])
        let plan = try #require(try properties(["plan-create", "apps", provider, "\(project)=OS::Keystone::Project=the project"])["id"])
        // The client splits properties on ",": Karbor's calendar form with "\n" typed as two characters.
        let tooOften = try run(["trigger-create", "often", "time", "format=calendar,pattern=RRULE:FREQ=SECONDLY;INTERVAL=2,window=30"])
        #expect(tooOften.status != 0 && (tooOften.stderr + tooOften.stdout).contains("minimum interval between fire times is 5 s"),
                "\(tooOften.stderr)\(tooOften.stdout)")
        let trigger = try properties(["trigger-create", "every 10 s", "time",
                                      #"format=calendar,pattern=BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=10;\nEND:VEVENT,window=60"#])
        let triggerID = try #require(trigger["id"])
        #expect(trigger["properties"]?.contains("SECONDLY") == true)
        let scheduled = try properties(["scheduledoperation-create", "keep two", "retention_protect", triggerID,
                                        "provider_id=\(provider),plan_id=\(plan),max_backups=2"])
        let scheduleID = try #require(scheduled["id"])
        #expect(try rows(["scheduledoperation-list"]).map(\.[0]) == [scheduleID])

        // Columns of operationlog-list: Id, Operation Type, Checkpoint id, Plan Id, Provider id,
        // Restore Id, Scheduled Operation Id, Status, ...
        func logs() throws -> [[String]] { try rows(["operationlog-list"]).filter { $0.count > 7 && $0[6] == scheduleID } }
        try TestSupport.waitFor("three scheduled protects to succeed", timeout: 1800, poll: 2) {
            try logs().filter { $0[1] == "protect" && $0[7] == "available" }.count >= 3
        }
        let inUse = try run(["trigger-delete", triggerID])
        #expect(inUse.status != 0 && (inUse.stderr + inUse.stdout).contains("HTTP 424"), "\(inUse.stderr)\(inUse.stdout)")
        _ = try karbor(["scheduledoperation-delete", scheduleID])

        var available: [[String]] = []
        try TestSupport.waitFor("retention to leave two checkpoints", timeout: 1800, poll: 2) {
            let current = try logs()
            let made = current.filter { $0[1] == "protect" && $0[7] == "available" }.count
            let deleted = current.filter { $0[1] == "delete" && $0[7] == "deleted" }.count
            available = try rows(["checkpoint-list", provider, "--plan_id", plan]).filter { $0.contains("available") }
            return !current.contains { ["protecting", "deleting"].contains($0[7]) } && deleted == made - 2 && available.count == 2
        }
        let current = try logs()
        #expect(!current.contains { $0[1] == "delete" && $0[7] == "error" }, "\(current)")
        #expect(try world.cinder.listDetail("backups").count == 8, "two checkpoints of four volumes; the others' backups were deleted")
        _ = try karbor(["trigger-delete", triggerID])
        #expect(try rows(["trigger-list"]).isEmpty)
        #expect(!server.process.stderr.contains(token))
        server.stop()
    }
}
