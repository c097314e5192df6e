import BulwarkJSON
import BulwarkSchedule
import Foundation
import Testing
import TestSupport

/// Our expansion against the references, on thousands of generated cases
/// (scripts/schedule_oracle.py): crontab against croniter, RFC 5545 rules against
/// python-dateutil's rrule, both on the wall clock; and wall times near every
/// daylight-saving change of ten zones (2000-2030) against zoneinfo's fold=0.
@Suite struct DifferentialTests {
    static let cases: [JSON] = {
        let venv = (ProcessInfo.processInfo.environment["BULWARK_SCHEDULE_VENV"])
            ?? ((ProcessInfo.processInfo.environment["PEERS_DIR"] ?? "/tmp/bulwark-peers") + "/schedule")
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/schedule_oracle.py").path
        // A seed of its own per run would find more, but a failure must be repeatable.
        guard let result = try? TestSupport.run(venv + "/bin/python", [script, "20261202", "3000", "3000", "2000"]),
              result.status == 0 else {
            return [.object(JSONObject([("kind", .string("missing")), ("why", .string("\(venv)/bin/python \(script) failed; scripts/karborclient.sh installs croniter and python-dateutil there"))]))]
        }
        return result.stdout.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
    }()

    static func of(_ kind: String) throws -> [JSON] {
        if let missing = cases.first(where: { $0["kind"] == "missing" }) { throw TestSupportError(missing["why"]?.stringValue ?? "") }
        return cases.filter { $0["kind"]?.stringValue == kind }
    }

    @Test func crontabAgreesWithCroniter() throws {
        let cases = try Self.of("crontab")
        #expect(cases.count > 2000)
        var failures: [String] = []
        for c in cases {
            let pattern = c["pattern"]!.stringValue!
            let expected = c["expected"]!.arrayValue!.map { $0.stringValue! }
            do {
                let cron = try CronPattern(pattern)
                var t = WallTime(parsing: c["start"]!.stringValue!)!
                var got: [String] = []
                for _ in expected {
                    guard let next = cron.next(after: t) else { break }
                    got.append(next.description)
                    t = next
                }
                if got != expected { failures.append("\(pattern) from \(c["start"]!): \(got.prefix(3)) vs \(expected.prefix(3))") }
            } catch {
                failures.append("\(pattern): refused: \(error)")
            }
        }
        print("crontab: \(cases.count - failures.count) of \(cases.count) agree with croniter")
        #expect(failures.isEmpty, "\(failures.count) differ, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    @Test func calendarAgreesWithDateutil() throws {
        let cases = try Self.of("calendar")
        #expect(cases.count > 1500)
        var failures: [String] = []
        for c in cases {
            let pattern = c["pattern"]!.stringValue!
            let expected = c["expected"]!.arrayValue!.map { $0.stringValue! }
            do {
                let rule = try CalendarRule(pattern)
                var got: [String] = []
                rule.occurrences(start: WallTime(parsing: c["start"]!.stringValue!)!) { t in
                    got.append(t.description)
                    return got.count < 25
                }
                if got != expected {
                    failures.append("\(pattern.replacingOccurrences(of: "\n", with: " | ")) from \(c["start"]!): \(got.count) \(got.prefix(3)) vs \(expected.count) \(expected.prefix(3))")
                }
            } catch {
                failures.append("\(pattern): refused: \(error)")
            }
        }
        print("calendar: \(cases.count - failures.count) of \(cases.count) agree with dateutil")
        #expect(failures.isEmpty, "\(failures.count) differ, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    @Test func wallTimesNearDaylightSavingChangesAgreeWithZoneinfo() throws {
        let cases = try Self.of("zone")
        #expect(cases.count > 1500)
        var failures: [String] = []
        for c in cases {
            let zone = c["zone"]!.stringValue!
            let clock = try #require(ZoneClock(named: zone))
            let wall = WallTime(parsing: c["wall"]!.stringValue!)!
            let expected = Int64(c["instant"]!.numberValue!.intValue!)
            let got = clock.instant(wall)
            if got != expected { failures.append("\(zone) \(wall): \(got) vs \(expected) (\(got - expected) s)") }
        }
        #expect(failures.isEmpty, "\(failures.count) differ, first: \(failures.prefix(5).joined(separator: "\n"))")
    }
}
