import ArgumentParser
import BulwarkCore
import BulwarkSchedule

struct ScheduleCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Schedule a plan's protection on a trigger; prints the scheduled operation's id.",
        discussion: """
            Example:
              bulwark schedule create nightly --trigger T --plan P --keep-daily 7 --keep-weekly 4
            Any retention option makes it a retention_protect; without one it is a protect.
            """)
    @OptionGroup var options: EngineOptions
    @Argument(help: "The scheduled operation's name.") var name: String
    @Option(help: ArgumentHelp("The trigger's id.", valueName: "id")) var trigger: String
    @Option(help: ArgumentHelp("The plan's id (its provider is the plan's).", valueName: "id")) var plan: String
    @Option(help: "A description.") var description: String = ""
    @Option(name: .customLong("max-backups"), help: "Karbor's retention: keep the newest N.") var maxBackups: Int?
    @Option(name: .customLong("retention-duration"), help: "Karbor's retention: delete what is more than D whole days old.") var retentionDuration: Int?
    @Option(name: .customLong("keep-last"), help: "GFS: keep the newest N.") var keepLast: Int?
    @Option(name: .customLong("keep-hourly"), help: "GFS: keep the newest of each of the last N hours that have one.") var keepHourly: Int?
    @Option(name: .customLong("keep-daily"), help: "GFS: ... of the last N days.") var keepDaily: Int?
    @Option(name: .customLong("keep-weekly"), help: "GFS: ... of the last N ISO weeks.") var keepWeekly: Int?
    @Option(name: .customLong("keep-monthly"), help: "GFS: ... of the last N months.") var keepMonthly: Int?
    @Option(name: .customLong("keep-yearly"), help: "GFS: ... of the last N years.") var keepYearly: Int?

    func validate() throws { try options.validateProject() }

    func run() throws {
        let trigger = try options.catalogTrigger(self.trigger)
        let plan = try options.catalogPlan(self.plan)
        var definition: [(String, String)] = [("provider_id", plan.providerID), ("plan_id", plan.id)]
        let retention: [(String, Int?)] = [("max_backups", maxBackups), ("retention_duration", retentionDuration),
                                           ("keep_last", keepLast), ("keep_hourly", keepHourly), ("keep_daily", keepDaily),
                                           ("keep_weekly", keepWeekly), ("keep_monthly", keepMonthly), ("keep_yearly", keepYearly)]
        for (key, value) in retention { if let value { definition.append((key, String(value))) } }
        let kind: ScheduledOperationRecord.Kind = definition.count > 2 ? .retentionProtect : .protect
        do { try OperationDefinition.check(type: kind.rawValue, Dictionary(definition, uniquingKeysWith: { $1 })) } catch {
            throw CLIError("--\(error.property.replacingOccurrences(of: "_", with: "-")) \(error.reason)")
        }
        let record = ScheduledOperationRecord(projectID: options.projectID, name: name, description: description,
                                              operationType: kind, triggerID: trigger.id, definition: definition)
        let created: Bool
        do { created = try options.openCatalog().createScheduledOperation(record) } catch { throw CLIError("\(error)") }
        guard created else { throw CLIError("trigger \(trigger.id) was deleted meanwhile") }
        options.emit(record.json) { record.id + "\n" }
    }
}
