import ArgumentParser
import BulwarkSchedule
import Foundation

struct TriggerPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print a trigger's or a pattern's next fire times, one per line (ISO 8601, with the time zone's UTC offset).",
        discussion: """
            Examples:
              bulwark trigger preview 6c1f...            (a trigger of the catalog)
              bulwark trigger preview --format crontab --pattern '30 2 * * mon-fri' --timezone Europe/Berlin
              bulwark trigger preview --format calendar --pattern 'RRULE:FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=23' --count 12
            A wall time that a daylight-saving change skips fires as long after the change \
            as it was meant to be after the skipped time (02:30 becomes 03:30); one that \
            happens twice fires once, the first time.
            """)

    @OptionGroup var options: EngineOptions

    @Argument(help: ArgumentHelp("A trigger of the catalog (instead of --pattern and --format).", valueName: "id"))
    var id: String?

    @Option(help: ArgumentHelp("The pattern: five crontab fields or a macro such as @daily; or RRULE (and DTSTART) lines.", valueName: "pattern"))
    var pattern: String?

    @Option(help: ArgumentHelp("calendar (RFC 5545 RRULE) or crontab.", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("An IANA time zone name (default: the trigger's, else UTC).", valueName: "zone"))
    var timezone: String?

    @Option(help: ArgumentHelp("Start here instead of now: \"YYYY-MM-DD HH:MM:SS\" on the zone's clock.", valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("How many fire times to print.", valueName: "n"))
    var count = 10

    func validate() throws {
        if id == nil {
            guard let format, let _ = pattern else { throw ValidationError("give a trigger id, or --pattern and --format") }
            guard TriggerPattern.Format(rawValue: format) != nil else {
                throw ValidationError("--format must be calendar or crontab (got \(format))")
            }
        } else if pattern != nil || format != nil {
            throw ValidationError("give a trigger id or --pattern and --format, not both")
        }
        guard (1...100_000).contains(count) else { throw ValidationError("--count must be 1...100000 (got \(count))") }
    }

    func run() throws {
        let trigger: TriggerPattern
        var from = Int64(Date().timeIntervalSince1970)
        var end: Int64?
        // A stored trigger's start is also a calendar rule's DTSTART: its phase.
        var phase: Int64?
        if let id {
            var properties = try options.catalogTrigger(id).propertyMap
            if let timezone { properties["timezone"] = timezone }
            let definition: TriggerDefinition
            do { definition = try TriggerDefinition(properties: properties, now: from, minimumInterval: 0) } catch {
                throw CLIError("trigger \(id): \(error)")
            }
            trigger = definition.pattern
            from = max(from, definition.start)
            phase = definition.start
            end = definition.end
        } else {
            do {
                trigger = try TriggerPattern(format: TriggerPattern.Format(rawValue: format ?? "")!, pattern: pattern ?? "",
                                             timezone: timezone ?? "UTC")
            } catch {
                throw CLIError("--pattern: \(error)")
            }
        }
        if let start {
            guard let wall = WallTime(parsing: start) else {
                throw CLIError("--start \"\(start)\" is not a time: give \"YYYY-MM-DD HH:MM:SS\" (or YYYY-MM-DD)")
            }
            from = trigger.clock.instant(wall)
        }
        let times = trigger.fireTimes(after: from - 1, start: phase ?? from, end: end, limit: count)
        if times.isEmpty { throw CLIError("the pattern never fires after \(trigger.iso8601(from))") }
        print(times.map(trigger.iso8601).joined(separator: "\n"))
    }
}
