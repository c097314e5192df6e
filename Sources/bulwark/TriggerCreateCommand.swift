import ArgumentParser
import BulwarkCore

struct TriggerCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a time trigger in the catalog; prints its id.",
        discussion: """
            Examples:
              bulwark trigger create nightly --format crontab --pattern '30 2 * * *' --timezone Europe/Berlin
              bulwark trigger create weekly --format calendar --pattern 'RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=3'
            See what it means first with bulwark trigger preview.
            """)
    @OptionGroup var options: EngineOptions
    @OptionGroup var properties: TriggerPropertyOptions
    @Argument(help: "The trigger's name.") var name: String

    func validate() throws {
        try options.validateProject()
        guard properties.format != nil, properties.pattern != nil else { throw ValidationError("give --format and --pattern") }
    }

    func run() throws {
        let checked = try properties.check(properties.given)
        let record = TriggerRecord(projectID: options.projectID, name: name, properties: checked.properties)
        do { try options.openCatalog().createTrigger(record) } catch { throw CLIError("\(error)") }
        options.emit(record.json) { record.id + "\n" }
    }
}
