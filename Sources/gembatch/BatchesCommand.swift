import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import Logging

/// `gembatch batches list|cancel|delete`: the store's batches.
struct BatchesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batches",
    abstract: "List, cancel or delete the store's Batch Mode batches.",
    subcommands: [List.self, Cancel.self, Delete.self],
    defaultSubcommand: List.self)

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The store's batches: name, model, state, counts, created, age, expiry.")
    @Option(help: "The SQLite store.") var db = "gembatch.sqlite"
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
      let batches: [BatchRecord]
      do { batches = try Store.openReadOnly(path: db).batches() } catch {
        FileHandle.standardError.write(Data("gembatch: \(error)\n".utf8))
        throw ExitCode(ExitStatus.badInput)
      }
      if json {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var out = try enc.encode(batches)
        out.append(0x0A)
        FileHandle.standardOutput.write(out)
        return
      }
      FileHandle.standardOutput.write(Data(BatchTable.render(batches, now: Date().timeIntervalSince1970).utf8))
    }
  }

  struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Cancel a live batch (the next `run --mode batch` collects what it has and retries the rest).")
    @Argument(help: "The batch: its name (batches/…), its number in the store, or its display name.") var batch: String
    @Option(help: "The SQLite store.") var db = "gembatch.sqlite"
    @OptionGroup var endpointOptions: EndpointOptions

    func run() async throws {
      try await BatchesCommand.act(batch, db: db, endpointOptions: endpointOptions) { client, name, row in
        if row?.phase == .done {
          FileHandle.standardError.write(Data("gembatch: \(name) has ended already\n".utf8))
          return
        }
        try await client.cancel(name: name)
        FileHandle.standardError.write(Data("cancelled \(name)\n".utf8))
      }
    }
  }

  struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete an ended batch from the account (the store keeps its row).")
    @Argument(help: "The batch: its name (batches/…), its number in the store, or its display name.") var batch: String
    @Option(help: "The SQLite store.") var db = "gembatch.sqlite"
    @OptionGroup var endpointOptions: EndpointOptions

    func run() async throws {
      try await BatchesCommand.act(batch, db: db, endpointOptions: endpointOptions) { client, name, row in
        if let row, row.phase != .done {
          FileHandle.standardError.write(
            Data("gembatch: \(name) is still live in the store; cancel it first and let a run collect it\n".utf8))
          throw ExitCode(ExitStatus.badInput)
        }
        try await client.delete(name: name)
        FileHandle.standardError.write(Data("deleted \(name)\n".utf8))
      }
    }
  }

  static func act(
    _ which: String, db: String, endpointOptions: EndpointOptions,
    _ body: @escaping @Sendable (BatchClient, String, BatchRecord?) async throws -> Void
  ) async throws {
    let row = try? Store.openReadOnly(path: db).batch(named: which)
    guard let name = row?.name ?? (which.hasPrefix("batches/") ? which : nil) else {
      FileHandle.standardError.write(Data("gembatch: no batch \(which) in \(db) (give its batches/… name)\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }
    guard case .remote(let endpoint) = try endpointOptions.resolve() else {
      FileHandle.standardError.write(Data("gembatch: the built-in mock lives only as long as one run; give its URL instead\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }
    guard BatchEngine.supportsBatch(endpoint) else {
      FileHandle.standardError.write(Data("gembatch: \(BatchError.unsupported(endpoint.name))\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }
    do {
      try await GeminiClient.withGeminiClient(endpoint: endpoint, maxConnections: 2) { client in
        try await body(BatchClient(client: client), name, row)
      }
    } catch let e as GeminiError {
      FileHandle.standardError.write(Data("gembatch: \(e)\n".utf8))
      throw ExitCode(ExitStatus.someFailed)
    }
  }
}

/// The text table of batches (for `batches list` and `status`).
enum BatchTable {
  static func render(_ batches: [BatchRecord], now: Double) -> String {
    if batches.isEmpty { return "no batches\n" }
    var s = ""
    for b in batches {
      let state = b.stateRaw.map { BatchState(raw: $0).description } ?? b.phase.rawValue.uppercased()
      s += "  #\(b.id) \(b.name ?? "(not created yet)") \(b.model) \(state)"
      if b.phase == .done, let o = b.outcome { s += " [\(o)]" }
      s += ": \(b.jobCount) jobs, \(b.succeededCount) ok, \(b.failedCount) failed"
      if b.pendingCount > 0 { s += ", \(b.pendingCount) pending" }
      let created = b.submittedAt ?? b.createdAt
      s += "; created \(Date(timeIntervalSince1970: created).ISO8601Format()), age \(BatchProgressPrinter.age(now - created))"
      if let e = b.expiresAt, b.phase != .done { s += ", expires \(Date(timeIntervalSince1970: e).ISO8601Format())" }
      s += "\n"
      if let m = b.errorMessage, b.phase != .done || b.outcome != "collected" { s += "      \(m)\n" }
    }
    return s
  }
}
