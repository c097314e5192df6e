import BulwarkSchedule
import Testing

/// The scheduler's rules on a clock the test controls (every decision takes `now`):
/// trigger properties, missed fires and their window, skipped overlaps, pause and
/// resume, and retention (Karbor's and GFS).
@Suite struct SchedulingRulesTests {
    /// 2026-01-05 00:00:00 UTC, a Monday.
    let monday: Int64 = WallTime(2026, 1, 5).secondsSinceEpoch

    func hourly(window: Int = 900, start: Int64? = nil) throws -> TriggerDefinition {
        var properties = ["format": "crontab", "pattern": "0 * * * *", "window": String(window)]
        properties["start_time"] = TriggerDefinition.text(start ?? monday)
        return try TriggerDefinition(properties: properties, now: monday, minimumInterval: 3600)
    }

    @Test func propertiesAreCheckedAndNamed() throws {
        func error(_ properties: [String: String], minimum: Int64 = 3600) -> String? {
            do { _ = try TriggerDefinition(properties: properties, now: monday, minimumInterval: minimum); return nil } catch {
                return error.description
            }
        }
        #expect(error(["format": "crontab", "pattern": "*/5 * * * *"])?.contains("fires 300 s apart") == true)
        #expect(error(["format": "crontab", "pattern": "*/5 * * * *"], minimum: 300) == nil)
        #expect(error(["format": "crontab", "pattern": "0 25 * * *"])?.hasPrefix("pattern") == true)
        #expect(error(["format": "ical", "pattern": "x"])?.hasPrefix("format must be calendar or crontab") == true)
        #expect(error(["format": "crontab", "pattern": "@daily", "timezone": "Mars/Olympus"])?.hasPrefix("timezone") == true)
        #expect(error(["format": "crontab", "pattern": "@daily", "windw": "60"])?.hasPrefix("windw is not a property") == true)
        #expect(error(["format": "crontab", "pattern": "@daily", "window": "soon"])?.hasPrefix("window") == true)
        #expect(error(["format": "crontab", "pattern": "@daily", "start_time": "2026-02-01 00:00:00", "end_time": "2026-01-01 00:00:00"])?
            .hasPrefix("end_time must be after start_time") == true)
        #expect(error(["format": "calendar", "pattern": "RRULE:FREQ=DAILY;COUNT=2", "start_time": "2020-01-01 00:00:00"])?
            .contains("never fires") == true)
        // Karbor's own form, with the literal \n the client's command line can carry.
        let karbor = try TriggerDefinition(properties: ["format": "calendar", "pattern": "BEGIN:VEVENT\\nRRULE:FREQ=HOURLY;INTERVAL=2;\\nEND:VEVENT"],
                                           now: monday, minimumInterval: 3600)
        #expect(karbor.nextFire(after: monday) == monday + 7200)
        #expect(karbor.window == 900)
        #expect(karbor.properties.map(\.0) == ["format", "pattern", "start_time", "window", "timezone"])
    }

    @Test func aDueFireRunsOnceAndTheNextIsAnHourOn() throws {
        let trigger = try hourly()
        let d = FireDecision.decide(trigger, cursor: monday, now: monday + 3600 + 2, previousRunGoing: false)
        #expect(d.run == monday + 3600)
        #expect(d.missed.isEmpty && d.skipped == nil)
        #expect(d.cursor == monday + 3600)
        #expect(d.next == monday + 7200)
        // Asked again at once (a restart right after the fire was recorded): nothing more.
        let again = FireDecision.decide(trigger, cursor: d.cursor, now: monday + 3600 + 3, previousRunGoing: false)
        #expect(again.run == nil && again.missed.isEmpty && again.next == monday + 7200)
    }

    @Test func firesMissedWhileDownRunOnceIfTheWindowIsOpenElseAreMissed() throws {
        let trigger = try hourly(window: 900)
        // Down from 00:30 to 03:10: 01:00 and 02:00 missed, 03:00 still in its window.
        let open = FireDecision.decide(trigger, cursor: monday + 1800, now: monday + 3 * 3600 + 600, previousRunGoing: false)
        #expect(open.run == monday + 3 * 3600)
        #expect(open.missed == [monday + 3600, monday + 7200])
        #expect(open.missedCount == 2)
        // Down until 03:20: the window of 03:00 closed too.
        let closed = FireDecision.decide(trigger, cursor: monday + 1800, now: monday + 3 * 3600 + 1200, previousRunGoing: false)
        #expect(closed.run == nil)
        #expect(closed.missed == [monday + 3600, monday + 7200, monday + 3 * 3600])
        #expect(closed.cursor == monday + 3 * 3600 && closed.next == monday + 4 * 3600)
        // A year down: counted, not all listed.
        let year = FireDecision.decide(trigger, cursor: monday, now: monday + 365 * 86_400 + 60, previousRunGoing: false)
        #expect(year.run == monday + 365 * 86_400)
        #expect(year.missedCount == 365 * 24 - 1)
        #expect(year.missed.count == 20)
    }

    @Test func aFireWhileThePreviousRunGoesIsSkipped() throws {
        let d = FireDecision.decide(try hourly(), cursor: monday, now: monday + 3600, previousRunGoing: true)
        #expect(d.run == nil)
        #expect(d.skipped == monday + 3600)
        #expect(d.cursor == monday + 3600 && d.next == monday + 7200)
    }

    @Test func resumingDoesNotFireAtOnce() throws {
        // Paused before 01:00, resumed at 01:05 (the cursor is the resume time): 01:00,
        // still inside its window, does not run; 02:00 does.
        let trigger = try hourly(window: 900)
        let resumed = monday + 3600 + 300
        let atResume = FireDecision.decide(trigger, cursor: resumed, now: resumed, previousRunGoing: false)
        #expect(atResume.run == nil && atResume.missed.isEmpty)
        #expect(atResume.next == monday + 7200)
        let later = FireDecision.decide(trigger, cursor: resumed, now: monday + 7200, previousRunGoing: false)
        #expect(later.run == monday + 7200)
    }

    @Test func endTimeEndsTheSchedule() throws {
        let trigger = try TriggerDefinition(properties: ["format": "crontab", "pattern": "0 * * * *", "start_time": TriggerDefinition.text(monday),
                                                         "end_time": TriggerDefinition.text(monday + 2 * 3600)],
                                            now: monday, minimumInterval: 3600)
        let d = FireDecision.decide(trigger, cursor: monday + 3600, now: monday + 7200, previousRunGoing: false)
        #expect(d.run == monday + 7200)
        #expect(d.next == nil)
    }

    // MARK: Retention

    func candidates(_ times: [Int64]) -> [RetentionPolicy.Candidate] {
        times.enumerated().map { RetentionPolicy.Candidate(id: "c\($0.offset)", time: $0.element) }
    }

    @Test func karborMaxBackupsKeepsTheNewestN() throws {
        let policy = try #require(try RetentionPolicy(definition: ["max_backups": "2", "plan_id": "p", "provider_id": "x"]))
        let gone = policy.expired(candidates([monday, monday + 10, monday + 20, monday + 30]), now: monday + 40, clock: ZoneClock(named: "UTC")!)
        #expect(gone.map(\.0.id) == ["c1", "c0"])
        // 0 or less: no limit, as Karbor.
        #expect(try RetentionPolicy(definition: ["max_backups": "0"])!.expired(candidates([monday, monday + 1]), now: monday, clock: ZoneClock(named: "UTC")!).isEmpty)
    }

    @Test func karborRetentionDurationCountsWholeDaysByDate() throws {
        let policy = try #require(try RetentionPolicy(definition: ["retention_duration": "2"]))
        let day: Int64 = 86_400
        // Made on Jan 1 23:59, Jan 2 00:01 and Jan 3; now Jan 5 00:00: 4, 3 and 2 days ago by date.
        let times = [monday - 4 * day + day - 60, monday - 3 * day + 60, monday - 2 * day]
        let gone = policy.expired(candidates(times), now: monday, clock: ZoneClock(named: "UTC")!)
        #expect(gone.map(\.0.id) == ["c1", "c0"])
    }

    @Test func theNewestCheckpointIsNeverDeleted() throws {
        let policy = try #require(try RetentionPolicy(definition: ["retention_duration": "1"]))
        // Everything is old (backups stopped a month ago): the newest still stays.
        let old = candidates([monday - 40 * 86_400, monday - 30 * 86_400])
        #expect(policy.expired(old, now: monday, clock: ZoneClock(named: "UTC")!).map(\.0.id) == ["c0"])
        let gfs = try #require(try RetentionPolicy(definition: ["keep_daily": "0"]))
        #expect(gfs.expired(old, now: monday, clock: ZoneClock(named: "UTC")!).map(\.0.id) == ["c0"])
    }

    @Test func gfsKeepsTheNewestOfEachPeriod() throws {
        let utc = ZoneClock(named: "UTC")!
        let hour: Int64 = 3600, day: Int64 = 86_400
        // Four a day for 60 days, at 00:00, 06:00, 12:00, 18:00, ending Monday 2026-03-02 18:00.
        let end = WallTime(2026, 3, 2, 18).secondsSinceEpoch
        var times: [Int64] = []
        for i in 0..<240 { times.append(end - Int64(i) * 6 * hour) }
        let all = candidates(times)
        let policy = RetentionPolicy(keep: ["keep_last": 2, "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 3])
        let gone = Set(policy.expired(all, now: end + hour, clock: utc).map(\.0.id))
        let kept = all.filter { !gone.contains($0.id) }.map(\.time)
        var expected = Set<Int64>()
        expected.formUnion([end, end - 6 * hour])                                   // last 2
        for d in 0..<7 { expected.insert(end - Int64(d) * day) }                  // the 18:00 of 7 days
        // Weeks (ISO, Monday first): the newest of each of 4 weeks: Mon 2 Mar, Sun 1 Mar, Sun 22 Feb, Sun 15 Feb.
        for w in [WallTime(2026, 3, 2, 18), WallTime(2026, 3, 1, 18), WallTime(2026, 2, 22, 18), WallTime(2026, 2, 15, 18)] {
            expected.insert(w.secondsSinceEpoch)
        }
        // Months: March (the newest), February's last, January's last (the first is 2026-01-02).
        for m in [WallTime(2026, 3, 2, 18), WallTime(2026, 2, 28, 18), WallTime(2026, 1, 31, 18)] { expected.insert(m.secondsSinceEpoch) }
        #expect(Set(kept) == expected)
        #expect(!gone.contains(all[0].id))
    }

    @Test func gfsDaysFollowTheTriggersTimeZone() throws {
        // 23:30 and 00:30 UTC on the same Berlin day (00:30 and 01:30 CET): one daily bucket there, two in UTC.
        let a = WallTime(2026, 1, 4, 23, 30).secondsSinceEpoch, b = a + 3600
        let policy = RetentionPolicy(keep: ["keep_daily": 2])
        #expect(policy.expired(candidates([a, b]), now: b, clock: ZoneClock(named: "UTC")!).isEmpty)
        #expect(policy.expired(candidates([a, b]), now: b, clock: ZoneClock(named: "Europe/Berlin")!).map(\.0.id) == ["c0"])
    }

    @Test func definitionsAreCheckedAndNamed() {
        func error(_ type: String, _ definition: [String: String]) -> String? {
            do { try OperationDefinition.check(type: type, definition); return nil } catch { return error.description }
        }
        let base = ["provider_id": "x", "plan_id": "p"]
        #expect(error("retention_protect", base.merging(["max_backups": "2"]) { $1 }) == nil)
        #expect(error("retention_protect", base.merging(["keep_daily": "7", "keep_weekly": "4"]) { $1 }) == nil)
        #expect(error("retention_protect", base.merging(["max_backups": "2", "keep_daily": "7"]) { $1 })?.contains("cannot be combined") == true)
        #expect(error("retention_protect", base.merging(["keep_dayly": "7"]) { $1 })?.hasPrefix("keep_dayly is not a key") == true)
        #expect(error("retention_protect", base.merging(["keep_daily": "-1"]) { $1 })?.contains("0 or more") == true)
        #expect(error("retention_protect", base.merging(["max_backups": "two"]) { $1 })?.contains("whole number") == true)
        #expect(error("protect", base.merging(["max_backups": "2"]) { $1 })?.contains("needs operation_type retention_protect") == true)
        #expect(error("protect", ["provider_id": "x"])?.contains("plan_id is missing") == true)
    }

    /// Asking for fire times long after a calendar rule's start begins near the time asked
    /// (not at DTSTART: a year-old minutely trigger would walk half a million times per
    /// fire); it must give exactly what walking from DTSTART gives (which the
    /// differential test checks against dateutil).
    @Test func calendarRulesStartNearTheTimeAskedAndAgreeWithTheWalkFromTheStart() throws {
        let rules = ["RRULE:FREQ=MINUTELY;INTERVAL=7", "RRULE:FREQ=SECONDLY;INTERVAL=13", "RRULE:FREQ=HOURLY;INTERVAL=5;BYMINUTE=10,40",
                     "RRULE:FREQ=HOURLY;BYHOUR=1,2,3;BYMINUTE=30", "RRULE:FREQ=DAILY;INTERVAL=5;BYHOUR=2;BYMINUTE=30",
                     "RRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,FR;BYHOUR=23", "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU;BYSETPOS=-1",
                     "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=3", "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,-1FR", "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                     "RRULE:FREQ=YEARLY;BYMONTH=2,3;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30", "RRULE:FREQ=YEARLY;INTERVAL=3", "RRULE:FREQ=DAILY"]
        let zones = ["UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/St_Johns"]
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for rule in rules {
            for zone in zones {
                let pattern = try TriggerPattern(format: .calendar, pattern: rule, timezone: zone)
                let start = WallTime(2025, 1, 7, 13, 17, 29).secondsSinceEpoch
                let walked = pattern.fireTimes(after: start - 1, start: start, limit: 20_000)
                guard walked.count > 40 else { continue }
                for _ in 0..<12 {
                    let i = Int.random(in: 0..<(walked.count - 20), using: &generator)
                    let after = walked[i] + Int64.random(in: -1...1, using: &generator)
                    let expected = Array(walked.filter { $0 > after }.prefix(8))
                    let got = pattern.fireTimes(after: after, start: start, limit: 8)
                    #expect(got == expected, "\(rule) in \(zone) after \(pattern.iso8601(after))")
                    checked += 1
                }
            }
        }
        #expect(checked > 400)
    }
}
