import ArgumentParser
import BulwarkCore
import BulwarkJSON
import Foundation

struct PlanUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a plan's name, description, resources or status.",
        discussion: """
            As in Karbor, a plan changes only while it is suspended; a started plan takes \
            only --status suspended. --resources-from reads the resources and parameters \
            of a plan file.
            """)

    enum Status: String, ExpressibleByArgument, CaseIterable { case started, suspended }

    @OptionGroup var options: EngineOptions
    @Argument(help: "The plan id.") var id: String
    @Option(help: "A new name.") var name: String?
    @Option(help: "A new description.") var description: String?
    @Option(help: "started or suspended.") var status: Status?
    @Option(help: ArgumentHelp("Take resources and parameters from this plan file.", valueName: "file")) var resourcesFrom: String?
    @Option(name: .customLong("hook"),
            help: ArgumentHelp("Run a hook of the provider file in a phase (pre_protect, post_protect, pre_restore, post_restore); repeat for more. Replaces the plan's hooks.", valueName: "phase=name"))
    var hooks: [String] = []
    @Flag(name: .customLong("no-hooks"), help: "Remove the plan's hooks.") var noHooks = false

    func run() throws {
        var plan = try options.catalogPlan(id)
        if name == nil, description == nil, status == nil, resourcesFrom == nil, hooks.isEmpty, !noHooks {
            throw CLIError("nothing to change: give --name, --description, --status, --resources-from, --hook or --no-hooks")
        }
        let onlySuspending = name == nil && description == nil && resourcesFrom == nil && hooks.isEmpty && !noHooks && status == .suspended
        if plan.status != .suspended, !onlySuspending {
            throw CLIError("plan \(id) is \(plan.status.rawValue): a plan can be changed only while suspended (bulwark plan update \(id) --status suspended)")
        }
        if let name { plan.name = name }
        if let description { plan.description = description }
        if let status { plan.status = PlanRecord.Status(rawValue: status.rawValue)! }
        if let resourcesFrom {
            let file: Plan
            do { file = try Plan.read(resourcesFrom) } catch { throw CLIError("\(error)") }
            plan.resources = file.resources
            plan.parameters = file.parameters
            do { try options.open(plan.providerID).check(plan.plan) } catch let error as EngineError { throw CLIError("\(error)") }
        }
        if noHooks { plan.hooks = [:] }
        if !hooks.isEmpty { plan.hooks = try options.planHooks(hooks, provider: plan.providerID) }
        plan.updatedAt = Date().timeIntervalSince1970
        do { _ = try options.openCatalog().updatePlan(plan) } catch { throw CLIError("\(error)") }
        options.emit(plan.json) { "plan \(plan.id) updated\n" }
    }
}

extension EngineOptions {
    /// `phase=name` options, checked against the hooks the provider file defines.
    func planHooks(_ options: [String], provider: String) throws -> [String: String] {
        var hooks: [String: String] = [:]
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError("--hook \(option): give phase=name, such as pre_protect=lock-db") }
            hooks[parts[0]] = parts[1]
        }
        let config = try open(provider).provider.config
        do { _ = try PlanHooks(names: hooks, provider: config) } catch { throw CLIError("--hook: \(error.message)") }
        return hooks
    }
}
