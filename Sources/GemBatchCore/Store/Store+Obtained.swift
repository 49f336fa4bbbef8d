import GRDB

/// Reading how each stored answer was obtained (`results.obtained`, migration
/// `v3-struct-obtained`), on stores of any version.
extension Store {
  /// SQL for how a stored answer was obtained, for result alias `r` and job alias `j`: the
  /// recorded `obtained`, or for a row written before it was recorded, `valid` when the job
  /// succeeded and `invalid` when it failed. Works on a store not yet migrated (read-only).
  public static func obtainedSQL(_ db: Database, result r: String = "r", job j: String = "j") throws -> String {
    let derived = "CASE \(j).state WHEN 'succeeded' THEN 'valid' WHEN 'failed' THEN 'invalid' END"
    let hasColumn = try db.columns(in: "results").contains { $0.name == "obtained" }
    return hasColumn
      ? "CASE WHEN \(r).job_id IS NULL THEN NULL ELSE COALESCE(\(r).obtained, \(derived)) END"
      : "CASE WHEN \(r).job_id IS NULL THEN NULL ELSE \(derived) END"
  }

  /// SQL for the reason a stored answer is still invalid (`results.obtained_reason`, else the
  /// job's failure reason); NULL for a job with no stored answer, like `obtainedSQL`.
  public static func obtainedReasonSQL(_ db: Database, result r: String = "r", job j: String = "j") throws -> String {
    let hasColumn = try db.columns(in: "results").contains { $0.name == "obtained_reason" }
    let failure = "CASE WHEN \(j).state = 'failed' THEN \(j).failure_reason END"
    let reason = hasColumn ? "COALESCE(\(r).obtained_reason, \(failure))" : failure
    return "CASE WHEN \(r).job_id IS NULL THEN NULL ELSE \(reason) END"
  }
}
