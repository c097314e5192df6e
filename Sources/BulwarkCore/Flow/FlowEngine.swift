import BulwarkJSON
import Foundation
import Metrics

/// How one resource ended in a flow.
public struct ResourceOutcome: Sendable, Equatable {
    public var ok: Bool
    /// The failing hook's message, or why the resource did not run.
    public var message: String?

    public static let succeeded = ResourceOutcome(ok: true, message: nil)
    public static func failed(_ message: String) -> ResourceOutcome { ResourceOutcome(ok: false, message: message) }
}

/// The result of a flow: every resource's outcome, and the first failure.
public struct FlowResult: Sendable {
    public var outcomes: [ResourceOutcome]
    /// The first failure ("<resource>: <plugin>: <message>"), or "cancelled".
    public var error: String?
    public var cancelled: Bool
    /// Resources that never finished (their `finished` callback was not called).
    public var unfinished: [Int]
    public var succeeded: Bool { error == nil }
}

/// Runs one operation (protect, restore, delete, verify) over a graph in Karbor's order.
///
/// For a parent P and each dependent C:
///   P.on_prepare_begin  before C.on_prepare_begin,
///   C.on_prepare_finish before P.on_prepare_finish,
///   C.on_complete       before P.on_complete,
/// and per resource begin -> finish -> main -> complete. Nothing else orders `on_main`.
/// Each hook is a task with a count of what it waits for; hooks run on the worker pool
/// (at most its size at once), hooks a plugin does not implement complete inline.
///
/// A failed hook stops new work: hooks already running finish (they see the cancellation
/// flag), the failure is recorded, resources that did not finish are marked as not run.
public final class FlowEngine: @unchecked Sendable {
    public struct Job: Sendable {
        public var graph: ResourceGraph
        public var operation: Operation
        /// The protection plugin of each node.
        public var plugins: [ProtectionInstance]
        /// Parameters of each node, as JSON text.
        public var parameters: [String]
        public var checkpointID: String
        public var providerID: String
        public var restoreID: String?
        /// Restore and verify: the caller's target and credentials (JSON text).
        public var restoreContext: String?
        /// The checkpoint as hooks see it (without the graph), as JSON text.
        public var checkpoint: String
        /// The bank section of each node.
        public var section: @Sendable (Int) -> BankSection
        public var newResources: (any NewResourcesService)?
        public var events: (any PluginEventSink)?
        /// Called on a worker thread when a resource finishes (to record its status).
        public var finished: @Sendable (Int, ResourceOutcome) -> Void
        public var progress: (@Sendable (_ done: Int, _ failed: Int) -> Void)?
        /// Seconds a hook cancelled for its plugin's `hookTimeout` has to return before
        /// the flow gives up on it.
        public var hookCancelGrace: Double = ProviderConfig.defaultHookCancelGrace

        public init(graph: ResourceGraph, operation: Operation, plugins: [ProtectionInstance], parameters: [String],
                    checkpointID: String, providerID: String, restoreID: String? = nil, checkpoint: String,
                    section: @escaping @Sendable (Int) -> BankSection, newResources: (any NewResourcesService)? = nil,
                    events: (any PluginEventSink)? = nil, finished: @escaping @Sendable (Int, ResourceOutcome) -> Void,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) {
            self.graph = graph
            self.operation = operation
            self.plugins = plugins
            self.parameters = parameters
            self.checkpointID = checkpointID
            self.providerID = providerID
            self.restoreID = restoreID
            self.checkpoint = checkpoint
            self.section = section
            self.newResources = newResources
            self.events = events
            self.finished = finished
            self.progress = progress
        }
    }

    enum Step: Int { case begin = 0, finish, main, complete }
    struct Task { var node: Int; var step: Step }

    /// How a hook call ended for the flow.
    enum HookOutcome {
        case succeeded
        case failed(String)
        /// The watchdog gave up on it and has already recorded the failure: the thread
        /// that comes back from the plugin (if ever) drops everything.
        case abandoned
    }

    let job: Job
    let pool: WorkerPool
    let cancellation: CancellationFlag
    private let lock = NSLock()
    private let allDone = DispatchSemaphore(value: 0)
    // Counters of what each step still waits for.
    private var beginWaiting: [Int32]
    private var finishWaiting: [Int32]
    private var completeWaiting: [Int32]
    private var outcomes: [ResourceOutcome?]
    /// Each resource's last step that ended well (-1: none), so a resource the stop cut
    /// short is reported with what did run.
    private var lastStep: [Int8]
    private var inFlight = 0
    private var stopped = false
    private var firstError: String?
    /// The run's cancellation (the user's, a lost lease) came before any failure.
    private var cancelledFirst = false
    private var doneCount = 0
    private var failedCount = 0
    private var resourceJSON: [String?]
    /// Hooks inside a plugin right now, by operation (`bulwark_hooks_running`): a hook
    /// that never returns shows here before anything else notices.
    private let hooksRunning: Meter
    /// Hooks with a timeout now inside their plugin; the watchdog thread times them out
    /// (under `lock`).
    private var watched: [ObjectIdentifier: HookWatch] = [:]
    private var watchdogStopping = false
    private let watchdogWake = DispatchSemaphore(value: 0)
    private let watchdogEnded = DispatchSemaphore(value: 0)

    public init(_ job: Job, pool: WorkerPool, cancellation: CancellationFlag) {
        self.job = job
        hooksRunning = Meter(label: "bulwark_hooks_running", dimensions: [("operation", job.operation.rawValue)])
        self.pool = pool
        self.cancellation = cancellation
        let g = job.graph
        beginWaiting = g.parents.map { Int32($0.count) }
        finishWaiting = g.children.map { Int32($0.count + 1) }
        completeWaiting = g.children.map { Int32($0.count + 1) }
        outcomes = Array(repeating: nil, count: g.count)
        lastStep = Array(repeating: -1, count: g.count)
        resourceJSON = Array(repeating: nil, count: g.count)
    }

    /// Run the flow to the end (or to the stop after a failure); blocks the caller.
    public func run() -> FlowResult {
        let starts = job.graph.nodes.indices.filter { beginWaiting[$0] == 0 }
        lock.lock()
        inFlight += 1  // the caller's own share, so the run cannot end while starting
        lock.unlock()
        let watching = job.plugins.contains { $0.hookTimeout != nil }
        if watching {
            let watchdog = Thread { self.watchdog() }
            watchdog.name = "bulwark-hook-watchdog"
            watchdog.start()
        }
        for node in starts { schedule(Task(node: node, step: .begin)) }
        finishTask()
        allDone.wait()
        if watching {
            lock.lock()
            watchdogStopping = true
            lock.unlock()
            watchdogWake.signal()
            watchdogEnded.wait()
        }
        let unfinished = outcomes.indices.filter { outcomes[$0] == nil }
        let result = outcomes.indices.map { outcomes[$0] ?? .failed(Self.unfinishedReason(lastStep[$0], cancelled: cancelledFirst)) }
        if firstError == nil, !unfinished.isEmpty { firstError = "some resources did not finish" }
        return FlowResult(outcomes: result, error: firstError, cancelled: cancelledFirst, unfinished: unfinished)
    }

    /// What a resource that did not finish did: "not run: <why>" when no hook of it ran
    /// (or "cancelled"), else which hooks ran and which was not.
    static func unfinishedReason(_ last: Int8, cancelled: Bool) -> String {
        let why = cancelled ? "the run was cancelled" : "the run stopped after a failure"
        guard let step = Step(rawValue: Int(last)) else { return cancelled ? "cancelled" : "not run: \(why)" }
        let names = [HookName.prepareBegin, .prepareFinish, .main, .complete].map(\.rawValue)
        let next = step.rawValue + 1 < names.count ? names[step.rawValue + 1] : "its status"
        return "not finished: its hooks through \(names[step.rawValue]) ran, \(next) was not run: \(why)"
    }

    /// Submit a task to the pool.
    private func schedule(_ task: Task) {
        lock.lock()
        if stopped { lock.unlock(); return }
        inFlight += 1
        lock.unlock()
        pool.submit { self.execute(task) }
    }

    private func finishTask() {
        lock.lock()
        inFlight -= 1
        let end = inFlight == 0
        lock.unlock()
        if end { allDone.signal() }
    }

    private func hookName(_ step: Step) -> HookName {
        switch step {
        case .begin: .prepareBegin
        case .finish: .prepareFinish
        case .main: .main
        case .complete: .complete
        }
    }

    /// Run a task and, inline, every follow-up whose hook the plugin does not implement.
    private func execute(_ first: Task) {
        var work = [first]
        while let task = work.popLast() {
            // After a stop (a failure, or the user's interrupt), queued work is dropped:
            // its resources stay unfinished.
            if shouldStop() { break }
            let error: String?
            switch runHook(task) {
            case .succeeded: error = nil
            case .failed(let message): error = message
            case .abandoned: return  // the watchdog finished this task in our place
            }
            if task.step == .complete || error != nil {
                let outcome: ResourceOutcome = error.map { .failed($0) } ?? .succeeded
                job.finished(task.node, outcome)
            }
            for next in advance(task, error: error) {
                if next.step != .complete, !job.plugins[next.node].implements(job.operation, hookName(next.step)) {
                    work.append(next)
                } else {
                    schedule(next)
                }
            }
        }
        finishTask()
    }

    private func shouldStop() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        noteCancellation()
        return stopped
    }

    /// Under `lock`: a cancelled run stops, and says so unless a failure came first.
    private func noteCancellation() {
        guard cancellation.isCancelled, !stopped else { return }
        stopped = true
        if firstError == nil {
            firstError = "cancelled"
            cancelledFirst = true
        }
    }

    /// Call the plugin's hook for a task (success when it has none).
    private func runHook(_ task: Task) -> HookOutcome {
        let plugin = job.plugins[task.node]
        let hook = hookName(task.step)
        guard plugin.implements(job.operation, hook) else { return .succeeded }
        let node = task.node
        let arguments = HookArguments(resource: resourceText(node), parameters: job.parameters[node], checkpointID: job.checkpointID,
                                      providerID: job.providerID, restoreID: job.restoreID, checkpoint: job.checkpoint,
                                      restoreContext: job.restoreContext)
        var services = CallServices(cancellation: cancellation, events: job.events, bank: job.section(node),
                                    newResources: job.newResources)
        let watch = plugin.hookTimeout.map { HookWatch(task: task, limit: $0, run: cancellation) }
        if let watch {
            services.cancellation = watch.cancellation
            services.revoked = watch.revoked
            startWatching(watch)
        }
        hooksRunning.increment()
        defer { hooksRunning.decrement() }
        var failure: String?
        do {
            try plugin.run(job.operation, hook, arguments, services: services)
        } catch {
            failure = "\(error)"
        }
        switch watch.map(stopWatching) ?? .running {
        case .abandoned:
            return .abandoned
        case .timedOut:
            // Past its time the hook fails even if it got its work done: the limit is
            // the provider's contract, and its cancellation may have cut the work short.
            let returned = failure.map { "it was cancelled and returned: \($0)" } ?? "it was cancelled and returned"
            return .failed("\(hook.rawValue): \(plugin.entry.name) timed out after \(Self.seconds(watch?.limit ?? 0)); \(returned)")
        case .running:
            return failure.map { .failed("\(hook.rawValue): \($0)") } ?? .succeeded
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() && value < 1e15 ? "\(Int(value)) s" : "\(value) s"
    }

    // MARK: Hook timeouts

    private func startWatching(_ watch: HookWatch) {
        lock.lock()
        watched[ObjectIdentifier(watch)] = watch
        lock.unlock()
    }

    /// The hook returned: take it off the watch, and say how far the watchdog had got.
    private func stopWatching(_ watch: HookWatch) -> HookWatch.State {
        lock.lock()
        defer { lock.unlock() }
        let state = watch.state
        if state != .abandoned { watched[ObjectIdentifier(watch)] = nil }
        return state
    }

    /// The watchdog thread: cancels each hook past its plugin's timeout, and gives up on
    /// one still running a grace period later (the resource fails, the hook's services
    /// are closed, its thread is left to the plugin). Wakes at the next deadline, at
    /// least once a second.
    private func watchdog() {
        let grace = UInt64(max(0, job.hookCancelGrace) * 1e9)
        while true {
            var abandoned: [HookWatch] = []
            lock.lock()
            if watchdogStopping {
                lock.unlock()
                watchdogEnded.signal()
                return
            }
            let now = DispatchTime.now().uptimeNanoseconds
            var wake = now + 1_000_000_000
            for watch in watched.values {
                switch watch.state {
                case .running:
                    if now >= watch.deadline {
                        watch.state = .timedOut
                        watch.cancelledAt = now
                        watch.cancellation.cancel()
                        wake = min(wake, now + grace)
                    } else {
                        wake = min(wake, watch.deadline)
                    }
                case .timedOut:
                    if now >= watch.cancelledAt + grace {
                        watch.state = .abandoned
                        watch.revoked.cancel()
                        abandoned.append(watch)
                    } else {
                        wake = min(wake, watch.cancelledAt + grace)
                    }
                case .abandoned:
                    break
                }
            }
            for watch in abandoned { watched[ObjectIdentifier(watch)] = nil }
            lock.unlock()
            for watch in abandoned { abandon(watch) }
            _ = watchdogWake.wait(timeout: DispatchTime(uptimeNanoseconds: max(wake, now + 1_000_000)))
        }
    }

    /// Finish a task whose hook the flow gave up on, as its own thread would have.
    private func abandon(_ watch: HookWatch) {
        let task = watch.task
        let plugin = job.plugins[task.node].entry.name
        let message = "\(hookName(task.step).rawValue): \(plugin) timed out after \(Self.seconds(watch.limit)) and did not return within "
            + "\(Self.seconds(job.hookCancelGrace)) of its cancellation; its thread was abandoned"
        job.finished(task.node, .failed(message))
        _ = advance(task, error: message)
        finishTask()
    }

    private func resourceText(_ node: Int) -> String {
        lock.lock()
        if let cached = resourceJSON[node] { lock.unlock(); return cached }
        lock.unlock()
        let text = job.graph.nodes[node].json.serialized()
        lock.lock()
        resourceJSON[node] = text
        lock.unlock()
        return text
    }

    /// Record a finished task and return the tasks it made ready.
    private func advance(_ task: Task, error: String?) -> [Task] {
        lock.lock()
        defer { lock.unlock() }
        noteCancellation()
        let node = task.node
        if let error {
            outcomes[node] = .failed(error)
            failedCount += 1
            doneCount += 1
            if firstError == nil { firstError = "\(job.graph.nodes[node]): \(error)" }
            stopped = true
            cancellation.cancel()
            job.progress?(doneCount, failedCount)
            return []
        }
        lastStep[node] = max(lastStep[node], Int8(task.step.rawValue))
        if stopped { return [] }
        let g = job.graph
        var ready: [Task] = []
        switch task.step {
        case .begin:
            for c in g.children[node] {
                beginWaiting[c] -= 1
                if beginWaiting[c] == 0 { ready.append(Task(node: c, step: .begin)) }
            }
            finishWaiting[node] -= 1
            if finishWaiting[node] == 0 { ready.append(Task(node: node, step: .finish)) }
        case .finish:
            for p in g.parents[node] {
                finishWaiting[p] -= 1
                if finishWaiting[p] == 0 { ready.append(Task(node: p, step: .finish)) }
            }
            ready.append(Task(node: node, step: .main))
        case .main:
            completeWaiting[node] -= 1
            if completeWaiting[node] == 0 { ready.append(Task(node: node, step: .complete)) }
        case .complete:
            outcomes[node] = .succeeded
            doneCount += 1
            job.progress?(doneCount, failedCount)
            for p in g.parents[node] {
                completeWaiting[p] -= 1
                if completeWaiting[p] == 0 { ready.append(Task(node: p, step: .complete)) }
            }
        }
        return ready
    }
}

/// One hook call under a timeout: its own cancellation flag (under the run's), the flag
/// that closes its services, and how far the watchdog got with it. `state` and
/// `cancelledAt` are the flow's, under its lock.
final class HookWatch: @unchecked Sendable {
    enum State { case running, timedOut, abandoned }

    let task: FlowEngine.Task
    let limit: Double
    let deadline: UInt64
    let cancellation: CancellationFlag
    let revoked = CancellationFlag()
    var state = State.running
    var cancelledAt: UInt64 = 0

    init(task: FlowEngine.Task, limit: Double, run: CancellationFlag) {
        self.task = task
        self.limit = limit
        // Far-off limits (a week) stay far off rather than overflowing.
        deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(min(limit, 1e9) * 1e9)
        cancellation = CancellationFlag(parent: run)
    }
}
