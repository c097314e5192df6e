import Foundation
import Synchronization

/// A command a plan may run around its operations (OSB Backup Manager's lock / check /
/// unlock): defined by name in a provider file (the operator's configuration, never an
/// API caller's), named by a plan for a phase.
///
/// It runs with the rights of the process that runs the operation (the server or the
/// CLI), in a process group of its own, with a small environment: `PATH`, `LANG`, the
/// hook's own `environment`, and the run's `BULWARK_*` variables, never the server's own
/// environment (which may hold passwords). Its output (stdout and stderr together) is
/// kept to the last ``keptBytes``. Past its timeout the group gets SIGTERM, and SIGKILL
/// 5 s later.
public struct PlanHook: Sendable, Equatable {
    public var name: String
    /// The program and its arguments (no shell).
    public var command: [String]
    public var timeout: Double
    public var environment: [String: String]

    public static let keptBytes = 16 * 1024
    public static let defaultTimeout: Double = 300

    public init(name: String, command: [String], timeout: Double = PlanHook.defaultTimeout, environment: [String: String] = [:]) {
        self.name = name
        self.command = command
        self.timeout = timeout
        self.environment = environment
    }

    /// How a run of a hook ended.
    public struct Report: Sendable {
        public var phase: PlanHookPhase
        public var name: String
        /// The exit status; nil when it was killed by a signal or could not start.
        public var exitStatus: Int32?
        public var signal: Int32?
        public var timedOut: Bool
        /// Why it could not start.
        public var startError: String?
        public var seconds: Double
        /// The last lines of its output.
        public var output: String

        public var succeeded: Bool { exitStatus == 0 && !timedOut && startError == nil }

        /// "pre_protect hook lock-db: exit status 3; last output: ...".
        public var summary: String {
            var text = "\(phase.rawValue) hook \(name): "
            if let startError { text += "could not start: \(startError)" }
            else if timedOut { text += "timed out after \(Int(seconds.rounded())) s and was killed" }
            else if let signal { text += "killed by signal \(signal)" }
            else { text += "exit status \(exitStatus ?? -1)" }
            let lines = output.split(separator: "\n", omittingEmptySubsequences: true).suffix(5)
            if !lines.isEmpty { text += "; last output: " + lines.joined(separator: " | ") }
            return text
        }
    }

    /// Run it for `phase` with the run's variables (blocking; call it on an operation's
    /// thread).
    public func run(_ phase: PlanHookPhase, variables: [String: String]) -> Report {
        let start = Date()
        var report = Report(phase: phase, name: name, exitStatus: nil, signal: nil, timedOut: false, startError: nil, seconds: 0, output: "")
        var env = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"]
        env.merge(environment) { $1 }
        env.merge(variables) { $1 }
        env["BULWARK_HOOK_PHASE"] = phase.rawValue
        env["BULWARK_HOOK_NAME"] = name

        var pipe: [Int32] = [0, 0]
        guard Foundation.pipe(&pipe) == 0 else {
            report.startError = String(cString: strerror(errno))
            return report
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (killed whole on a timeout), no blocked signals, default handlers.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = command.map { strdup($0) } + [nil]
        let envp = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, command[0], &actions, &attributes, argv, envp)
        close(pipe[1])
        guard spawned == 0 else {
            close(pipe[0])
            report.startError = "\(command[0]): \(String(cString: strerror(spawned)))"
            return report
        }
        // Read its output on a thread of its own, keeping the tail.
        let output = Mutex<[UInt8]>([])
        let readDone = DispatchSemaphore(value: 0)
        let readFD = pipe[0]
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(readFD, &buffer, buffer.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                output.withLock { out in
                    out.append(contentsOf: buffer[0..<n])
                    if out.count > PlanHook.keptBytes { out.removeFirst(out.count - PlanHook.keptBytes) }
                }
            }
            readDone.signal()
        }
        reader.start()

        var status: Int32 = 0
        let deadline = start.addingTimeInterval(timeout)
        var killAt: Date?
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno != EINTR) { break }
            let now = Date()
            if killAt == nil, now >= deadline {
                report.timedOut = true
                kill(-pid, SIGTERM)
                killAt = now.addingTimeInterval(5)
            } else if let at = killAt, now >= at {
                kill(-pid, SIGKILL)
                killAt = .distantFuture
            }
            usleep(20_000)
        }
        // What it started and left running would hold the pipe open: end the group.
        kill(-pid, SIGKILL)
        _ = readDone.wait(timeout: .now() + 2)
        close(readFD)
        if status & 0x7f == 0 { report.exitStatus = (status >> 8) & 0xff } else { report.signal = status & 0x7f }
        report.seconds = Date().timeIntervalSince(start)
        report.output = String(decoding: output.withLock { $0 }, as: UTF8.self)
        return report
    }
}

/// When a plan's hook runs.
public enum PlanHookPhase: String, Sendable, CaseIterable {
    case preProtect = "pre_protect"
    case postProtect = "post_protect"
    case preRestore = "pre_restore"
    case postRestore = "post_restore"
}
