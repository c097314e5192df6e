import ArgumentParser
import BulwarkJSON
import BulwarkSchema
import Foundation
import Glibc

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

    @Option(help: ArgumentHelp("Threads that parse and validate JSON Lines from standard input (default: one per core). Results keep the input's order.", valueName: "n"))
    var jobs: Int?

    @Argument(help: ArgumentHelp("Instance files, or - for JSON Lines on standard input.", valueName: "instance"))
    var instances: [String]

    func validate() throws {
        guard Draft(rawValue: draft) != nil else {
            throw ValidationError("--draft must be 4, 7 or 2020-12 (got \(draft))")
        }
        if instances.isEmpty { throw ValidationError("give at least one INSTANCE file, or - for standard input") }
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256 (got \(jobs))") }
    }

    func run() throws {
        let compiled = try loadSchema()
        var anyInvalid = false
        var anyUnreadable = false
        for instance in instances {
            if instance == "-" {
                let jobs = self.jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
                let outcome = try JSONLinesValidation(schema: compiled, format: output, jobs: jobs).run(descriptor: 0)
                anyInvalid = anyInvalid || outcome.anyInvalid
                anyUnreadable = anyUnreadable || outcome.anyUnreadable
                continue
            }
            let source = InstanceSource.file(instance)
            var out = ResultText()
            do {
                guard let data = FileManager.default.contents(atPath: instance) else { throw CLIError("cannot read the file") }
                let result = compiled.validate(try JSON.parse(bytes: data))
                if !result.isValid { anyInvalid = true }
                source.describe(result, format: output, into: &out)
            } catch {
                anyUnreadable = true
                source.describeUnreadable(error, format: output, into: &out)
            }
            writeToStandardOutput(out.bytes)
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
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
