import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

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
      ModelsCommand.self,
      BatchesCommand.self,
    ]
  )

  /// Like ArgumentParser's `main`, but a usage error exits with 2 (bad input), the code the
  /// rest of gembatch uses, instead of EX_USAGE (64): a cron job checks one code for bad input.
  static func main() async {
    MemoryTuning.apply()
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      let code = exitCode(for: error)
      if code.rawValue == 64 {
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(ExitStatus.badInput)
      }
      exit(withError: error)
    }
  }
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

/// How the process allocates large buffers.
enum MemoryTuning {
  /// glibc raises its mmap threshold each time a large mmapped block is freed (up to 32 MiB), after
  /// which response bodies (1 MiB pieces) come from the heap, and memory freed there stays
  /// resident: under a server sending huge bodies the peak RSS was about 1.6 × the client's body
  /// budget. A fixed threshold keeps every block of 1 MiB or more mmapped, so it is returned to
  /// the system when freed.
  static func apply() {
    #if canImport(Glibc)
      _ = glibcMallopt(-3, 1 << 20)  // M_MMAP_THRESHOLD (malloc.h is not in the Glibc module)
    #endif
  }
}

#if canImport(Glibc)
  @_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif
