/// Which of a plan's checkpoints a `retention_protect` keeps. Either Karbor's two limits
/// (`max_backups`: the newest N; `retention_duration`: nothing more than D whole days
/// old, by UTC date) or the GFS rules of restic's `forget` (`keep_last`, `keep_hourly`,
/// `keep_daily`, `keep_weekly`, `keep_monthly`, `keep_yearly`), never both. Whatever the
/// rules say, the newest checkpoint given is always kept: retention never leaves a plan
/// without its last good backup.
public struct RetentionPolicy: Sendable, Equatable {
    public static let karborKeys = ["max_backups", "retention_duration"]
    public static let gfsKeys = ["keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly"]

    public var maxBackups: Int?
    public var retentionDays: Int?
    /// GFS counts, by key of ``gfsKeys``.
    public var keep: [String: Int] = [:]

    /// A checkpoint retention may keep or delete.
    public struct Candidate: Sendable, Equatable {
        public var id: String
        /// When it was made (seconds since the epoch).
        public var time: Int64
        public init(id: String, time: Int64) {
            self.id = id
            self.time = time
        }
    }

    /// Read from an operation definition (values as strings, as Karbor's client sends
    /// them). Karbor's "missing or <= 0: no limit" holds for its two keys; a GFS count
    /// must be 0 or more. nil when the definition names no retention at all.
    public init?(definition: [String: String]) throws(PropertyError) {
        func count(_ key: String, allowNonPositive: Bool) throws(PropertyError) -> Int? {
            guard let text = definition[key] else { return nil }
            guard let value = Int(text.trimmingSpaces) else {
                throw PropertyError(key, "must be a whole number (got \(text))")
            }
            if value < 0, !allowNonPositive { throw PropertyError(key, "must be 0 or more (got \(text))") }
            return value
        }
        let karbor = Self.karborKeys.filter { definition[$0] != nil }
        let gfs = Self.gfsKeys.filter { definition[$0] != nil }
        if !karbor.isEmpty, !gfs.isEmpty {
            throw PropertyError(gfs[0], "cannot be combined with \(karbor[0]): use Karbor's max_backups/retention_duration or the keep_* rules, not both")
        }
        guard !karbor.isEmpty || !gfs.isEmpty else { return nil }
        maxBackups = try count("max_backups", allowNonPositive: true).flatMap { $0 > 0 ? $0 : nil }
        retentionDays = try count("retention_duration", allowNonPositive: true).flatMap { $0 > 0 ? $0 : nil }
        for key in gfs { keep[key] = try count(key, allowNonPositive: false) }
    }

    public init(maxBackups: Int? = nil, retentionDays: Int? = nil, keep: [String: Int] = [:]) {
        self.maxBackups = maxBackups
        self.retentionDays = retentionDays
        self.keep = keep
    }

    /// The candidates to delete, newest first, with why each goes. `candidates` may be
    /// in any order; `clock` gives the GFS rules their hours, days, weeks (ISO 8601),
    /// months and years.
    public func expired(_ candidates: [Candidate], now: Int64, clock: ZoneClock) -> [(Candidate, String)] {
        let sorted = candidates.sorted { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }
        guard let newest = sorted.first else { return [] }
        var out: [(Candidate, String)] = []
        if keep.isEmpty {
            let today = Int(now.floorDiv(86_400))
            for (index, candidate) in sorted.enumerated() where candidate != newest {
                if let maxBackups, index >= maxBackups {
                    out.append((candidate, "max_backups=\(maxBackups): it is number \(index + 1), newest first"))
                } else if let days = retentionDays, today - Int(candidate.time.floorDiv(86_400)) > days {
                    out.append((candidate, "retention_duration=\(days): made \(today - Int(candidate.time.floorDiv(86_400))) days ago"))
                }
            }
            return out
        }
        var kept = Set<String>()
        for key in Self.gfsKeys {
            guard var left = keep[key], left > 0 else { continue }
            var lastBucket: Int64?
            for (position, candidate) in sorted.enumerated() {
                guard left > 0 else { break }
                let bucket = Self.bucket(key, clock.wall(candidate.time), position: position)
                if bucket != lastBucket {
                    kept.insert(candidate.id)
                    lastBucket = bucket
                    left -= 1
                }
            }
        }
        let rules = Self.gfsKeys.compactMap { key in keep[key].map { "\(key)=\($0)" } }.joined(separator: " ")
        for candidate in sorted where candidate != newest && !kept.contains(candidate.id) {
            out.append((candidate, "no rule of \(rules) keeps it"))
        }
        return out
    }

    /// The period a checkpoint falls in, for one GFS rule (every checkpoint is its own for
    /// keep_last).
    static func bucket(_ key: String, _ wall: WallTime, position: Int) -> Int64 {
        let day = Int64(wall.year * 10_000 + wall.month * 100 + wall.day)
        switch key {
        case "keep_hourly": return day * 100 + Int64(wall.hour)
        case "keep_daily": return day
        case "keep_weekly":
            // ISO 8601: a week belongs to the year of its Thursday.
            let thursday = wall.dayNumber - wall.weekday + 3
            let (year, _, _) = WallTime.civil(thursday)
            return Int64(year * 100 + (thursday - WallTime.days(year, 1, 1)) / 7 + 1)
        case "keep_monthly": return Int64(wall.year * 100 + wall.month)
        case "keep_yearly": return Int64(wall.year)
        default: return Int64(position)
        }
    }
}
