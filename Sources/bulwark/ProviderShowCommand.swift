import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct ProviderShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a provider: its plugins, bank and extended_info_schema.",
        discussion: """
            The extended_info_schema is Karbor's: the options, restore and saved_info \
            schemas of the provider's protection plugins, by resource type.
            """)

    @OptionGroup var options: EngineOptions

    @Argument(help: "The provider id.")
    var id: String

    func run() throws {
        let provider = try options.open(id).provider
        var json = providerJSON(provider.config, enabled: true)
        if case .object(var o) = json {
            o["protectables"] = .array(provider.protectables.keys.sorted().map { .string($0) })
            o["extended_info_schema"] = provider.extendedInfoSchema
            json = .object(o)
        }
        options.emit(json) {
            var out = "\(provider.config.name) (\(provider.id))\n"
            if !provider.config.description.isEmpty { out += provider.config.description + "\n" }
            out += "file: \(provider.config.file)\n"
            out += "bank: \(provider.bank.pluginName)\n"
            out += "protection plugins: \(provider.protections.map(\.entry.name).joined(separator: ", "))\n"
            out += "protectables: \(provider.protectables.keys.sorted().joined(separator: ", "))\n"
            out += "extended_info_schema:\n" + provider.extendedInfoSchema.serialized(.init(pretty: true, sortedKeys: true)) + "\n"
            return out
        }
    }
}
