import Foundation

/// Where things live in a bank, as Karbor laid them out:
///
///     /checkpoints/<id>/index.json
///     /checkpoints/<id>/resource-data/<resource id>/status      (and each plugin's objects)
///     /indices/by-provider/<provider>/<project>/<timestamp>@<id>
///     /indices/by-date/<YYYY-MM-DD>/<project>/<timestamp>@<id>
///     /indices/by-plan/<plan>/<project>/<timestamp>@<id>
///     /indices/unfinished/<id>                                   (runs not yet ended)
///
/// Timestamps are UTC, compact and sortable: `20261122T023444.123456Z`, so listing an
/// index in key order lists checkpoints in time order.
public enum BankLayout {
    public static func checkpoint(_ id: String) -> String { "/checkpoints/\(id)" }
    public static func index(_ id: String) -> String { "/checkpoints/\(id)/index.json" }
    public static func resourceData(_ id: String, _ resource: Resource) -> String {
        "/checkpoints/\(id)/resource-data/\(resource.bankName)"
    }
    public static func status(_ id: String, _ resource: Resource) -> String { resourceData(id, resource) + "/status" }
    public static func byProvider(_ provider: String, _ project: String) -> String { "/indices/by-provider/\(provider)/\(project)/" }
    public static func byDate(_ date: String) -> String { "/indices/by-date/\(date)/" }
    public static func byPlan(_ plan: String, _ project: String) -> String { "/indices/by-plan/\(plan)/\(project)/" }
    public static let unfinished = "/indices/unfinished/"

    /// The index entries of a checkpoint.
    static func indexKeys(id: String, provider: String, project: String, plan: String, date: String, stamp: String) -> [String] {
        let name = "\(stamp)@\(id)"
        return [byProvider(provider, project) + name, byDate(date) + "\(project)/\(name)", byPlan(plan, project) + name]
    }

    static func stamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micros = Int((seconds - Double(t)) * 1_000_000)
        return String(format: "%04d%02d%02dT%02d%02d%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, micros)
    }

    static func day(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
    }
}
