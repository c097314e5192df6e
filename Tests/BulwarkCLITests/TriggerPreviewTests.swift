import Foundation
import Testing
import TestSupport

/// `bulwark trigger preview`: what a pattern means, on its zone's clock, before a user
/// trusts it.
@Suite struct TriggerPreviewTests {
    func preview(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.bulwark(["trigger", "preview"] + arguments, environment: ProcessInfo.processInfo.environment)
    }

    @Test func daylightSavingGapsAndRepeatsAreShownWithTheirOffsets() throws {
        let spring = try preview(["--format", "crontab", "--pattern", "30 2 * * *", "--timezone", "Europe/Berlin", "--start", "2026-03-28", "--count", "3"])
        #expect(spring.status == 0, "\(spring.stderr)")
        #expect(spring.stdout == "2026-03-28T02:30:00+01:00\n2026-03-29T03:30:00+02:00\n2026-03-30T02:30:00+02:00\n")
        let autumn = try preview(["--format", "calendar", "--pattern", "BEGIN:VEVENT\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=30\nEND:VEVENT",
                                  "--timezone", "Europe/Berlin", "--start", "2026-10-25", "--count", "2"])
        #expect(autumn.stdout == "2026-10-25T02:30:00+02:00\n2026-10-26T02:30:00+01:00\n", "\(autumn.stderr)")
    }

    @Test func badPatternsAreNamedErrors() throws {
        let minute = try preview(["--format", "crontab", "--pattern", "61 * * * *"])
        #expect(minute.status == 1)
        #expect(minute.stderr.contains("--pattern: minute 61 is out of range 0-59"), "\(minute.stderr)")
        let zone = try preview(["--format", "crontab", "--pattern", "@daily", "--timezone", "Mars/Olympus"])
        #expect(zone.stderr.contains("timezone Mars/Olympus is not an IANA time zone name"), "\(zone.stderr)")
        let never = try preview(["--format", "calendar", "--pattern", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"])
        #expect(never.status == 1)
        #expect(never.stderr.contains("never fires"), "\(never.stderr)")
        let format = try preview(["--format", "ical", "--pattern", "@daily"])
        #expect(format.stderr.contains("--format must be calendar or crontab"), "\(format.stderr)")
    }
}
