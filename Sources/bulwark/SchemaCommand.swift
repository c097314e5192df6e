import ArgumentParser

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Validate JSON documents against JSON Schemas (drafts 4, 7 and 2020-12).",
        subcommands: [SchemaValidateCommand.self])
}
