/// A protectable plugin: owns one resource type, lists and shows its resources, and finds
/// the resources of its type that depend on a parent.
///
/// One instance is made per provider, with that provider's options for the plugin. The
/// host may call the methods of one instance from several threads at once.
public protocol Protectable: Sendable {
    /// The type this plugin owns, e.g. `OS::Kubernetes::Pod`.
    static var resourceType: String { get }
    /// The types whose resources can have dependents of this type.
    static var parentTypes: [String] { get }
    /// JSON Schema of the provider options for this plugin; nil accepts any object.
    static var configSchema: JSON? { get }

    init(configuration: JSON, context: borrowing PluginContext) throws
    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource]
    func showResource(id: String, context: borrowing PluginContext) throws -> Resource
    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource]
}

extension Protectable {
    public static var parentTypes: [String] { [] }
    public static var configSchema: JSON? { nil }
}
