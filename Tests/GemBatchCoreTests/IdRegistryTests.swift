import Foundation
import Testing

@testable import GemBatchCore

/// The duplicate-id check keeps memory flat by spilling to a temporary SQLite file, and stays
/// exact on both sides of the spill.
@Suite struct IdRegistryTests {
  @Test func agreesWithASetAcrossTheSpill() throws {
    let registry = IdRegistry(spillThreshold: 50)
    var reference = Set<String>()
    var rng = SplitMix64(seed: 7)
    for i in 0..<3_000 {
      // Mostly new ids, some repeats of old ones (before and after the spill), some long ones.
      let id: String
      switch rng.next() % 10 {
      case 0: id = "job-\(rng.next() % UInt64(max(1, i)))"
      case 1: id = "a-much-longer-identifier-that-does-not-fit-inline-\(i)-é"
      default: id = "job-\(i)"
      }
      #expect(try registry.insert(id) == reference.insert(id).inserted, "\(id) at \(i)")
    }
    #expect(registry.spilled == 51)
  }

  @Test func aDuplicateAfterTheSpillIsReportedWithFileAndLine() {
    let dir = JobsTestKit.tempDir("spill")
    var text = ""
    for i in 0..<30 { text += "{\"id\":\"j\(i)\",\"prompt\":\"x\"}\n" }
    text += "{\"id\":\"j3\",\"prompt\":\"again\"}\n"  // line 31: a duplicate of line 4
    text += "{\"id\":\"j30\",\"prompt\":\"x\"}\n"
    let f = JobsTestKit.write(text, to: dir + "/j.jsonl")
    var r = JobReader(files: [f], defaults: RunDefaults(model: "gemini-2.5-flash"), idSpillThreshold: 10)
    var jobs = 0
    var errors: [JobError] = []
    while let next = r.nextResult() {
      switch next {
      case .job: jobs += 1
      case .error(let e): errors.append(e)
      }
    }
    #expect(jobs == 31)
    #expect(errors.count == 1)
    #expect(errors.first?.code == .duplicateId && errors.first?.line == 31 && errors.first?.jobId == "j3")
    #expect(errors.first.map { "\($0)" }?.contains("j.jsonl:31") == true)
  }
}
