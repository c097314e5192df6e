import ArgumentParser

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Create, list, show, update and delete the plans of the catalog.",
        discussion: """
            Plans in the catalog are the ones bulwark serve keeps: a plan created here is \
            seen by the server and the other way round. Protect one with \
            `bulwark protect --provider P --plan-id ID`. Plan files keep working without the \
            catalog (`bulwark protect --plan FILE`).
            """,
        subcommands: [PlanCreateCommand.self, PlanListCommand.self, PlanShowCommand.self, PlanUpdateCommand.self,
                      PlanDeleteCommand.self])
}
