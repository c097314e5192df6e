import ArgumentParser
import BulwarkCore

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Scheduled operations of the catalog: a plan protected on a trigger, with retention.",
        discussion: """
            bulwark serve runs them (its scheduler); a change made here reaches a running \
            server within a heartbeat. Retention (operation type retention_protect) is \
            Karbor's --max-backups / --retention-duration, or the GFS rules --keep-last, \
            --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly \
            (restic's forget); the plan's newest available checkpoint is never deleted.
            """,
        subcommands: [ScheduleCreateCommand.self, ScheduleListCommand.self, ScheduleShowCommand.self, SchedulePauseCommand.self,
                      ScheduleResumeCommand.self, ScheduleDeleteCommand.self])
}

/// A scheduled operation, for people.
func describe(_ operation: ScheduledOperationRecord) -> String {
    var out = "scheduled operation \(operation.id)\nname: \(printable(operation.name))\n"
    out += "type: \(operation.operationType.rawValue)\ntrigger: \(operation.triggerID)\n"
    out += "enabled: \(operation.enabled)\n"
    if !operation.description.isEmpty { out += "description: \(printable(operation.description))\n" }
    for (key, value) in operation.definition { out += "\(key): \(printable(value))\n" }
    return out
}
