import ArgumentParser
import BulwarkCore
import BulwarkSchedule
import Foundation

/// The properties of a time trigger, as options (create and update share them).
struct TriggerPropertyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("calendar (RFC 5545 RRULE) or crontab.", valueName: "format")) var format: String?
    @Option(help: ArgumentHelp("Five crontab fields or a macro such as @daily; or RRULE (and DTSTART) lines.", valueName: "pattern"))
    var pattern: String?
    @Option(help: ArgumentHelp("An IANA time zone name (default UTC).", valueName: "zone")) var timezone: String?
    @Option(name: .customLong("start-time"), help: ArgumentHelp("No fire before this: \"YYYY-MM-DD HH:MM:SS\" UTC (default: now).", valueName: "time"))
    var startTime: String?
    @Option(name: .customLong("end-time"), help: ArgumentHelp("No fire after this: \"YYYY-MM-DD HH:MM:SS\" UTC.", valueName: "time"))
    var endTime: String?
    @Option(help: ArgumentHelp("Seconds after a fire time that its operation may still start (default 900).", valueName: "s"))
    var window: Int?
    @Option(name: .customLong("minimum-interval"),
            help: ArgumentHelp("Refuse fire times closer together than this many seconds (bulwark serve's scheduler.minimum_interval_seconds; default 3600).", valueName: "s"))
    var minimumInterval: Int64 = 3600

    /// The options given, as trigger properties.
    var given: [String: String] {
        var out: [String: String] = [:]
        if let format { out["format"] = format }
        if let pattern { out["pattern"] = pattern }
        if let timezone { out["timezone"] = timezone }
        if let startTime { out["start_time"] = startTime }
        if let endTime { out["end_time"] = endTime }
        if let window { out["window"] = String(window) }
        return out
    }

    func check(_ properties: [String: String]) throws -> TriggerDefinition {
        do {
            return try TriggerDefinition(properties: properties, now: Int64(Date().timeIntervalSince1970), minimumInterval: minimumInterval)
        } catch {
            throw CLIError("--\(error.property.replacingOccurrences(of: "_", with: "-")): \(error.reason)")
        }
    }
}

extension EngineOptions {
    /// A trigger of the catalog in --project.
    func catalogTrigger(_ id: String) throws -> TriggerRecord {
        let found: TriggerRecord?
        do { found = try openCatalog().trigger(id) } catch { throw CLIError("\(error)") }
        guard let trigger = found, trigger.projectID == projectID else {
            throw CLIError("no trigger \(id) in project \(projectID) of catalog \(catalogPath) (see bulwark trigger list)")
        }
        return trigger
    }

    /// A scheduled operation of the catalog in --project.
    func catalogSchedule(_ id: String) throws -> ScheduledOperationRecord {
        let found: ScheduledOperationRecord?
        do { found = try openCatalog().scheduledOperation(id) } catch { throw CLIError("\(error)") }
        guard let operation = found, operation.projectID == projectID else {
            throw CLIError("no scheduled operation \(id) in project \(projectID) of catalog \(catalogPath) (see bulwark schedule list)")
        }
        return operation
    }
}

/// A trigger, for people.
func describe(_ trigger: TriggerRecord) -> String {
    var out = "trigger \(trigger.id)\nname: \(printable(trigger.name))\ntype: \(trigger.type)\n"
    for (key, value) in trigger.properties { out += "\(key): \(printable(value))\n" }
    return out
}
