import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Build and print a plan's resource graph.",
        discussion: "--format dot prints Graphviz DOT: bulwark graph ... --format dot | dot -Tsvg > graph.svg")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, dot }

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("The plan file (YAML or JSON).", valueName: "file")) var plan: String
    @Option(help: "text, json or dot.") var format: Format = .text

    func run() throws {
        let engine = try options.open(provider)
        let plan: Plan
        do { plan = try Plan.read(self.plan) } catch { throw CLIError(error.description) }
        let graph = try engine.graph(for: plan)
        switch format {
        case .text: print(graph.text, terminator: "")
        case .json: printJSON(graph.json)
        case .dot: print(graph.dot, terminator: "")
        }
    }
}
