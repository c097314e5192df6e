import Glibc

/// A process, named so that it cannot be confused with a later one: the machine's boot
/// id, the pid and the pid's start time (in clock ticks since boot). A pid is reused; the
/// three together are not. Used to tell an upload whose writer is gone from one still
/// being written.
struct ProcessIdentity: Equatable, Sendable {
    var boot: String
    var pid: Int32
    var start: UInt64

    static let current = ProcessIdentity(boot: bootID(), pid: getpid(), start: startTime(of: getpid()) ?? 0)

    var text: String { "\(boot):\(pid):\(start)" }

    init(boot: String, pid: Int32, start: UInt64) {
        self.boot = boot
        self.pid = pid
        self.start = start
    }

    init?(text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let pid = Int32(parts[1]), let start = UInt64(parts[2]) else { return nil }
        self.init(boot: String(parts[0]), pid: pid, start: start)
    }

    /// Whether this process still runs here. A process of another boot is gone; so is a
    /// pid that no longer exists or now belongs to a process started at another time.
    var isAlive: Bool {
        guard boot == Self.bootID() else { return false }
        guard let now = Self.startTime(of: pid) else { return false }
        return now == start
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count - 1, file)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func bootID() -> String {
        read("/proc/sys/kernel/random/boot_id")?.filter { $0.isHexDigit } ?? "unknown"
    }

    /// Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and
    /// parentheses, so fields are counted from the last ")".
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
