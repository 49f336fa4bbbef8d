import ArgumentParser

@main
struct GemBatch: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gembatch",
    abstract: "Run large sets of prompts through the Gemini native API: resumable, under quota, with exact cost.",
    version: GemBatchVersion.current,
    subcommands: [
      ValidateCommand.self,
      StatusCommand.self,
      RunCommand.self,
      MockCommand.self,
      PlanCommand.self,
      ExportCommand.self,
      ReportCommand.self,
      DiffCommand.self,
    ]
  )
}

enum GemBatchVersion {
  static let current = "0.1.0"
}

/// Exit codes a cron job can act on.
enum ExitStatus {
  /// Every job succeeded.
  static let ok: Int32 = 0
  /// Some jobs failed.
  static let someFailed: Int32 = 1
  /// Bad input (job files, flags, config).
  static let badInput: Int32 = 2
  /// Stopped, resumable (quota, interrupt, budget).
  static let stoppedResumable: Int32 = 3
}
