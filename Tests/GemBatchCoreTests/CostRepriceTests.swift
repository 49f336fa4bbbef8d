import Foundation
import GRDB
import GeminiCatalog
import Testing

@testable import GemBatchCore

@Suite struct CostRepriceTests {
  @Test func repriceUpdatesCostAndVersionInOneTransaction() throws {
    let s = try TestStore()
    try s.run(1)
    try s.job("a", seq: 0)
    let a = try s.attempt("a")
    // 2.5 flash, usage_json with 3512 cached: 217.76 /1M with the bundled table.
    try s.result("a", attempt: a, .init(
      prompt: 3520, cached: 3512, candidates: 2, thoughts: 42,
      usageJSON: #"{"promptTokenCount":3520,"cachedContentTokenCount":3512,"candidatesTokenCount":2,"thoughtsTokenCount":42}"#,
      cost: 99, priceVersion: "old"))
    try s.job("b", seq: 1, model: "gemini-1.5-flash")
    let b = try s.attempt("b")
    try s.result("b", attempt: b, .init(prompt: 10, candidates: 10, cost: 1, priceVersion: "old"))
    try s.job("c", seq: 2, model: "gemini-2.5-pro")
    let c = try s.attempt("c")
    // Columns only (no usage_json), one grounded prompt: 17×1.25 + 119×1.25 + 414×10 = 4310 /1M + 0.035.
    try s.result("c", attempt: c, .init(prompt: 17, candidates: 201, thoughts: 213, toolUse: 119, cost: nil, queries: #"["q"]"#))

    // Results recorded on 1970-01-01 (created_at 0): priced at the rows in effect then (the 2.5 ones).
    let catalog = try ModelCatalog.bundled()
    let pool = try ReportStore.openForUpdate(path: s.path)
    let summary = try pool.write { db in try Repricer(catalog: catalog).reprice(db) }
    #expect(summary.results == 3 && summary.priced == 2 && summary.unpriced == 1)
    #expect(abs(summary.costBeforeUSD - 100) < 1e-9)
    let rows = try pool.read { db in
      try Row.fetchAll(db, sql: "SELECT job_id, cost_usd, price_version FROM results ORDER BY job_id")
    }
    #expect(abs((rows[0]["cost_usd"] as Double) - 0.00021776) < 1e-15)
    #expect((rows[1]["cost_usd"] as Double?) == nil)  // unpriced: NULL, never 0
    #expect(abs((rows[2]["cost_usd"] as Double) - 0.03931) < 1e-15)
    #expect(rows.allSatisfy { ($0["price_version"] as String) == catalog.version })
  }

  @Test func repriceRollsBackOnFailure() throws {
    let s = try TestStore()
    try s.run(1)
    try s.job("a", seq: 0)
    let a = try s.attempt("a")
    try s.result("a", attempt: a, .init(prompt: 1, cost: 5, priceVersion: "old"))
    let pool = try ReportStore.openForUpdate(path: s.path)
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try pool.write { db in
        _ = try Repricer(catalog: try ModelCatalog.bundled()).reprice(db)
        throw Boom()
      }
    }
    let v = try pool.read { db in try String.fetchOne(db, sql: "SELECT price_version FROM results") }
    #expect(v == "old")
  }
}
