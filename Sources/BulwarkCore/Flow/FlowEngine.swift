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
    private var doneCount = 0
    private var failedCount = 0
    private var resourceJSON: [String?]
    /// Hooks inside a plugin right now, by operation (`bulwark_hooks_running`): a hook
    /// that never returns shows here before anything else notices.
    private let hooksRunning: Meter

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
        for node in starts { schedule(Task(node: node, step: .begin)) }
        finishTask()
        allDone.wait()
        let unfinished = outcomes.indices.filter { outcomes[$0] == nil }
        let why = firstError == "cancelled" ? "the run was cancelled" : "the run stopped after a failure"
        let result = outcomes.indices.map { outcomes[$0] ?? .failed(Self.unfinishedReason(lastStep[$0], why)) }
        if firstError == nil, !unfinished.isEmpty { firstError = "some resources did not finish" }
        return FlowResult(outcomes: result, error: firstError, cancelled: firstError == "cancelled", unfinished: unfinished)
    }

    /// What a resource that did not finish did: "not run: <why>" when no hook of it ran
    /// (or "cancelled"), else which hooks ran and which was not.
    static func unfinishedReason(_ last: Int8, _ why: String) -> String {
        guard let step = Step(rawValue: Int(last)) else { return why == "the run was cancelled" ? "cancelled" : "not run: \(why)" }
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
            let error = runHook(task)
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
        if cancellation.isCancelled, !stopped {
            stopped = true
            if firstError == nil { firstError = "cancelled" }
        }
        return stopped
    }

    /// Call the plugin's hook for a task; nil on success (or when there is none).
    private func runHook(_ task: Task) -> String? {
        let plugin = job.plugins[task.node]
        let hook = hookName(task.step)
        guard plugin.implements(job.operation, hook) else { return nil }
        let node = task.node
        let arguments = HookArguments(resource: resourceText(node), parameters: job.parameters[node], checkpointID: job.checkpointID,
                                      providerID: job.providerID, restoreID: job.restoreID, checkpoint: job.checkpoint,
                                      restoreContext: job.restoreContext)
        let services = CallServices(cancellation: cancellation, events: job.events, bank: job.section(node),
                                    newResources: job.newResources)
        hooksRunning.increment()
        defer { hooksRunning.decrement() }
        do {
            try plugin.run(job.operation, hook, arguments, services: services)
            return nil
        } catch {
            return "\(hook.rawValue): \(error)"
        }
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
        if cancellation.isCancelled, !stopped {
            stopped = true
            if firstError == nil { firstError = "cancelled" }
        }
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
