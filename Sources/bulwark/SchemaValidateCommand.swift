import ArgumentParser
import BulwarkJSON
import BulwarkSchema
import Foundation

struct SchemaValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate JSON instances against a JSON Schema.",
        discussion: """
            Prints one line per instance: "NAME: valid", or "NAME: invalid: " and every \
            error, each as "/instance/location: what is wrong". With --output json, one JSON \
            object per line instead. An INSTANCE is a file, or - to read JSON Lines (one \
            instance per line) from standard input.

            The draft is taken from the schema's $schema, else --draft (default 2020-12). \
            References to other documents resolve from files next to the schema and, for \
            http(s) URIs, from --remotes DIR by their path; never from the network.

            Exit status: 0 when every instance is valid, 1 when any is invalid, 2 when the \
            schema (or an instance file) cannot be read or is not valid.
            """)

    @Option(help: ArgumentHelp("The JSON Schema file.", valueName: "file"))
    var schema: String

    @Option(help: ArgumentHelp("The draft for a schema without $schema: 4, 7 or 2020-12.", valueName: "draft"))
    var draft: String = "2020-12"

    @Option(help: ArgumentHelp("A directory holding the documents remote references name.", valueName: "dir"))
    var remotes: String?

    @Flag(help: "Check `format` (date-time, email, uri, ...) instead of treating it as an annotation.")
    var assertFormat = false

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: ArgumentHelp("Instance files, or - for JSON Lines on standard input.", valueName: "instance"))
    var instances: [String]

    func validate() throws {
        guard Draft(rawValue: draft) != nil else {
            throw ValidationError("--draft must be 4, 7 or 2020-12 (got \(draft))")
        }
        if instances.isEmpty { throw ValidationError("give at least one INSTANCE file, or - for standard input") }
    }

    func run() throws {
        let compiled = try loadSchema()
        var anyInvalid = false
        var anyUnreadable = false
        for instance in instances {
            if instance == "-" {
                var lineNumber = 0
                while let line = readLine(strippingNewline: true) {
                    lineNumber += 1
                    if line.allSatisfy(\.isWhitespace) { continue }
                    report("-:\(lineNumber)", parse: { try JSON.parse(line) }, compiled, &anyInvalid, &anyUnreadable)
                }
            } else {
                report(instance, parse: {
                    guard let data = FileManager.default.contents(atPath: instance) else { throw CLIError("cannot read the file") }
                    return try JSON.parse(bytes: data)
                }, compiled, &anyInvalid, &anyUnreadable)
            }
        }
        if anyUnreadable { throw ExitCode(2) }
        if anyInvalid { throw ExitCode(1) }
    }

    private func loadSchema() throws -> JSONSchema {
        let url = URL(fileURLWithPath: schema).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            printError("\(schema): cannot read the schema file")
            throw ExitCode(2)
        }
        let json: JSON
        do {
            json = try JSON.parse(bytes: data)
        } catch {
            printError("\(schema): not valid JSON: \(error)")
            throw ExitCode(2)
        }
        let options = SchemaOptions(defaultDraft: Draft(rawValue: draft)!, assertFormat: assertFormat,
                                    remotesDirectory: remotes, baseURI: url.absoluteString)
        let problems = JSONSchema.problems(with: json, options: options)
        if !problems.isEmpty {
            printError("\(schema): not a valid JSON Schema: \(problems.joined(separator: "; "))")
            throw ExitCode(2)
        }
        do {
            return try JSONSchema(json, options: options)
        } catch {
            printError("\(schema): \(error)")
            throw ExitCode(2)
        }
    }

    private func report(_ name: String, parse: () throws -> JSON, _ schema: JSONSchema, _ anyInvalid: inout Bool, _ anyUnreadable: inout Bool) {
        let instance: JSON
        do {
            instance = try parse()
        } catch {
            anyUnreadable = true
            if output == .json {
                print(JSON.object(JSONObject([("instance", .string(name)), ("valid", .bool(false)), ("error", .string("\(error)"))])).serialized())
            } else {
                print("\(name): unreadable: \(error)")
            }
            return
        }
        let result = schema.validate(instance)
        if !result.isValid { anyInvalid = true }
        if output == .json {
            let errors = JSON.array(result.errors.map {
                ["instanceLocation": .string($0.instanceLocation), "keywordLocation": .string($0.keywordLocation), "message": .string($0.message)]
            })
            print(JSON.object(JSONObject([("instance", .string(name)), ("valid", .bool(result.isValid)), ("errors", errors)])).serialized())
        } else if result.isValid {
            print("\(name): valid")
        } else {
            print("\(name): invalid: \(result.errors.map(\.description).joined(separator: "; "))")
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
