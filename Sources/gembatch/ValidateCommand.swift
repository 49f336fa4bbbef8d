import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import GeminiCatalog

/// `gembatch validate FILE...`: checks job files offline and reports every problem.
struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check job files without sending anything: every problem with FILE:LINE, then a summary.",
    discussion: """
      Every request is checked whole against the API's schema (types, ranges, enums, part and tool shapes). \
      Warnings (maxOutputTokens next to thinking, an unknown model name, schema keywords the dialect ignores) \
      do not fail the check unless --strict is given. Exit status 0 when every line is a valid job, 2 when anything is wrong.
      """)

  @Argument(help: ArgumentHelp("JSONL job files.", valueName: "file"))
  var files: [String]

  @OptionGroup var jobOptions: JobFileOptions

  @Flag(name: .long, help: "Print the report as JSON.")
  var json = false

  func run() throws {
    let defaults = try jobOptions.defaults()
    let report = ValidationReport.validate(files: files, defaults: defaults)
    if json {
      let enc = JSONEncoder()
      enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      var out = try enc.encode(report)
      out.append(0x0A)
      FileHandle.standardOutput.write(out)
    } else {
      var text = ""
      // Job files are other people's text: ids and field names are printed cleaned.
      for e in report.errors { text += TerminalText.clean("\(e)") + "\n" }
      for w in report.warnings { text += TerminalText.clean("\(w)") + "\n" }
      text += report.summary + "\n"
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    if !report.isValid { throw ExitCode(ExitStatus.badInput) }
  }
}

/// Flags that shape how job lines become requests (shared by `validate` and `run`).
struct JobFileOptions: ParsableArguments {
  @Option(name: .long, help: "Default model for lines without one.")
  var model: String?

  @Option(name: .long, help: ArgumentHelp("JSON config file with run defaults and limits.", valueName: "path"))
  var config: String?

  @Option(name: .long, help: ArgumentHelp("Default system instruction (text).", valueName: "text"))
  var system: String?

  @Option(name: .long, help: ArgumentHelp("Default generationConfig (a JSON object).", valueName: "json"))
  var generationConfig: String?

  @Flag(name: .long, help: "A line without id gets <file name>:<line> as its id.")
  var idFromLine = false

  @Option(name: .long, help: ArgumentHelp("Longest line accepted, in bytes (default 32 MiB).", valueName: "bytes"))
  var maxLineBytes: Int?

  @Flag(name: .long, help: "Treat warnings (thinking vs maxOutputTokens, unknown model, ignored schema keywords) as errors.")
  var strict = false
  @Option(
    name: .long,
    help: ArgumentHelp(
      "A folder whose files (and schema files) job lines may send, besides each job file's own folder. Repeatable.",
      valueName: "dir"))
  var filesRoot: [String] = []
  @Option(
    name: .long,
    help: ArgumentHelp(
      "A model catalog file that adds models or overrides facts (repeatable; also `models` in the config file).", valueName: "path"))
  var models: [String] = []

  func validate() throws {
    if let maxLineBytes, maxLineBytes <= 0 { throw ValidationError("--max-line-bytes must be positive") }
    for root in filesRoot {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
        throw ValidationError("--files-root \(root) is not a folder")
      }
    }
  }

  /// The bundled model catalog with the config file's `models`, then `--models`, then an old-form
  /// `--prices` file applied. A bad file is refused here, before anything runs.
  func catalog(prices: String? = nil, notices: CatalogNotices = CatalogNotices()) throws -> ModelCatalog {
    var files: [String] = []
    if let config {
      do { files += try RunConfigFile.load(path: config).models } catch let e as JobError {
        throw ValidationError("config: \(e)")
      }
    }
    files += models
    if let prices { files.append(prices) }
    do { return try ModelCatalog.load(overrides: files, notices: notices) } catch {
      throw ValidationError("\(error)")
    }
  }

  /// Config file first, then flags on top; lines are checked against `catalog` (the bundled one with `--models`).
  func defaults(catalog given: ModelCatalog? = nil) throws -> RunDefaults {
    var d = RunDefaults()
    if let config {
      do { d = try RunDefaults.load(configFile: config) } catch let e as JobError {
        throw ValidationError("config: \(e)")
      }
    }
    d.catalog = try given ?? catalog()
    if let model { d.model = model }
    if let system { d.systemInstruction = .string(system) }
    if let generationConfig {
      guard let v = try? JSONValue.parse(generationConfig), case .object = v else {
        throw ValidationError("--generation-config must be a JSON object")
      }
      d.generationConfig = v
    }
    if idFromLine { d.idFromLine = true }
    if let maxLineBytes { d.maxLineBytes = maxLineBytes }
    if strict { d.strict = true }
    d.filesRoots = filesRoot
    return d
  }
}
