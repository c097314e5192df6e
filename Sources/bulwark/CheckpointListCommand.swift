import ArgumentParser
import BulwarkCore
import BulwarkJSON

struct CheckpointListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a provider's checkpoints, newest first.")

    enum Sort: String, ExpressibleByArgument, CaseIterable { case asc, desc }

    @OptionGroup var options: EngineOptions
    @Option(help: "The provider id.") var provider: String
    @Option(help: ArgumentHelp("Only the checkpoints of this plan id.", valueName: "id")) var plan: String?
    @Option(help: ArgumentHelp("Only checkpoints created on or after this day.", valueName: "YYYY-MM-DD")) var startDate: String?
    @Option(help: ArgumentHelp("Only checkpoints created on or before this day.", valueName: "YYYY-MM-DD")) var endDate: String?
    @Option(parsing: .unconditional, help: "At most this many (0: all).") var limit: Int = 0
    @Option(help: ArgumentHelp("Start after this checkpoint id (for paging).", valueName: "id")) var marker: String?
    @Option(help: "asc (oldest first) or desc (newest first).") var sort: Sort = .desc

    func validate() throws {
        for (name, value) in [("--start-date", startDate), ("--end-date", endDate)] {
            if let value, !CheckpointQuery.isDay(value) {
                throw ValidationError("\(name) must be a day of the calendar as YYYY-MM-DD (got \(value))")
            }
        }
        if limit < 0 { throw ValidationError("--limit must be 0 (all) or a positive number (got \(limit))") }
    }

    func run() throws {
        let engine = try options.open(provider)
        let list = try engine.checkpoints(CheckpointQuery(projectID: options.projectID, planID: plan, startDate: startDate, endDate: endDate, limit: limit,
                                                          marker: marker, descending: sort == .desc))
        options.emit(.array(list.map(\.summary))) {
            table(["ID", "STATUS", "PLAN", "CREATED"], list.map { [$0.id, $0.status, $0.planName, $0.createdAt] })
        }
    }
}
