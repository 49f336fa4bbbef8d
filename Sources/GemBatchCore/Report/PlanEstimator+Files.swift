import Foundation
import GeminiCatalog

extension PlanEstimator {
  /// The outcome of planning job files: the plan, and the lines that are not valid jobs.
  public struct FilesResult: Sendable {
    public var plan: Plan
    /// The first `keptErrors` problems, in file order.
    public var errors: [JobError]
    public var errorCount: Int
  }

  /// Streams `files` through the `JobReader` (one job at a time) into a plan.
  public static func plan(
    files: [String], defaults: RunDefaults, catalog: ModelCatalog, settings: PlanSettings, keptErrors: Int = 20
  ) -> FilesResult {
    var estimator = PlanEstimator(catalog: catalog, settings: settings)
    var reader = JobReader(files: files, defaults: defaults)
    var errors: [JobError] = []
    var count = 0
    func record(_ e: JobError) {
      count += 1
      if errors.count < keptErrors { errors.append(e) }
    }
    while true {
      let next: JobReadResult?
      do { next = try reader.next() } catch let e as JobError {
        record(e)
        continue
      } catch {
        record(JobError(file: reader.currentFile ?? "?", line: reader.currentLine, code: .unreadableFile, message: "\(error)"))
        continue
      }
      guard let next else { break }
      switch next {
      case .job(let job): estimator.add(job)
      case .error(let e): record(e)
      }
    }
    return FilesResult(plan: estimator.finish(), errors: errors, errorCount: count)
  }
}
