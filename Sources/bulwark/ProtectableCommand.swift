import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct ProtectableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protectable",
        abstract: "Resource types a provider can protect, and their resources.",
        subcommands: [ProtectableListCommand.self, ProtectableShowCommand.self, ProtectableInstancesCommand.self,
                      ProtectableShowInstanceCommand.self])
}

struct ProtectableListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the provider's protectable resource types.")
    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String

    func run() throws {
        let types = try options.open(provider).provider.protectables.keys.sorted()
        options.emit(.array(types.map { .string($0) })) { types.map { $0 + "\n" }.joined() }
    }
}

struct ProtectableShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a type: its parent types and the types that depend on it.")
    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Argument(help: "The resource type, e.g. OS::Kubernetes::Pod.") var type: String

    func run() throws {
        let p = try options.open(provider).provider
        let protectable = try p.protectable(type)
        let dependents = p.dependentProtectables(of: type).map(\.entry.resourceType)
        let json: JSON = ["name": .string(type), "parent_types": .array(protectable.entry.parentTypes.map { .string($0) }),
                          "dependent_types": .array(dependents.map { .string($0) }), "library": .string(protectable.entry.libraryName)]
        options.emit(json) {
            "\(type)\nparent types: \(protectable.entry.parentTypes.joined(separator: ", "))\ndependent types: \(dependents.joined(separator: ", "))\nlibrary: \(protectable.entry.libraryName)\n"
        }
    }
}

struct ProtectableInstancesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "instances", abstract: "List the resources of a type.")
    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Argument(help: "The resource type.") var type: String

    func run() throws {
        let protectable = try options.open(provider).provider.protectable(type)
        let resources = try protectable.listResources()
        options.emit(.array(resources)) {
            table(["ID", "NAME"], resources.map { [$0["id"]?.stringValue ?? "", $0["name"]?.stringValue ?? ""] })
        }
    }
}

struct ProtectableShowInstanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show-instance", abstract: "Show one resource of a type.")
    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Argument(help: "The resource type.") var type: String
    @Argument(help: "The resource id.") var id: String

    func run() throws {
        let protectable = try options.open(provider).provider.protectable(type)
        let resource = try protectable.showResource(id: id)
        options.emit(resource) { resource.serialized(.init(pretty: true)) + "\n" }
    }
}

extension Provider {
    /// The protectable of a type, or an error listing the types there are.
    func protectable(_ type: String) throws -> ProtectableInstance {
        guard let protectable = protectables[type] else {
            throw CLIError("provider \(id) has no protectable \(type); it has: \(protectables.keys.sorted().joined(separator: ", "))")
        }
        return protectable
    }
}
