import ArgumentParser
import Foundation
import Training

/// `fit`: trains linear and polynomial regression models from JSON configs.
@main
struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Train linear and polynomial regression models described by a JSON config.",
    discussion: """
      `fit --config configs/linear.json` trains as the config says and writes config.json, \
      metrics.csv, loss.svg and model.json to the run folder (output.dir). Exit statuses follow \
      sysexits: 0 ok, 64 bad command line or config, 65 bad data, 66 missing input, 73/74 \
      cannot create/write output, 3 diverged, 4 gradient check failed, 130 interrupted.

      Checkpoints go to <output.dir>/checkpoints/; Ctrl-C (SIGINT) or SIGTERM saves one and \
      exits 130 (within a second: a step that takes longer is not waited for, and every other \
      phase and command ends at once). `fit --config c.json --resume` continues a stopped run \
      bit for bit; \
      `fit inspect FILE` shows a checkpoint (docs/checkpoints.md describes the layout).
      """,
    version: "fit 0.1.0",
    subcommands: [
      Train.self, Check.self, Predict.self, Eval.self, Convert.self, GradCheck.self, Batch.self,
      Inspect.self,
    ],
    defaultSubcommand: Train.self)

  /// What a bare `--resume` (no PATH) becomes before parsing: the argument parser has no option
  /// with an optional value, so `main` rewrites it.
  static let resumeLatest = "\u{1}latest"

  static func main() {
    // A write past the file-size limit (RLIMIT_FSIZE, `ulimit -f`) would otherwise kill the
    // process with SIGXFSZ mid-write, leaving a temporary checkpoint behind and no message; ignored,
    // the write fails with EFBIG and is reported like a full disk (exit 74, the file named).
    signal(SIGXFSZ, SIG_IGN)
    let arguments = Array(CommandLine.arguments.dropFirst())
    // Without a subcommand, arguments go to `train`; a first word that is neither an option nor
    // a subcommand is a typo, not a missing --config.
    if let first = arguments.first, !first.hasPrefix("-"),
      !(configuration.subcommands.map { $0._commandName } + ["help"]).contains(first)
    {
      exit(withError: ValidationError("unknown subcommand `\(first)`; see `fit --help`"))
    }
    SignalHandling.install()
    main(resumeArgumentsRewritten(arguments))
  }

  /// `--resume` followed by nothing or by another option becomes `--resume=` (latest), for
  /// training; `fit batch --resume` is a plain flag and stays as it is.
  static func resumeArgumentsRewritten(_ arguments: [String]) -> [String] {
    if arguments.first == "batch" { return arguments }
    var rewritten = arguments
    for index in rewritten.indices where rewritten[index] == "--resume" {
      let next = index + 1 < rewritten.count ? rewritten[index + 1] : nil
      if next == nil || next!.hasPrefix("-") { rewritten[index] = "--resume=" + resumeLatest }
    }
    return rewritten
  }
}

/// Options every command that reads a config shares.
struct ConfigOptions: ParsableArguments {
  @Option(name: .shortAndLong, help: "The JSON config file.")
  var config: String

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Override a config value: key.path=value (value parsed as JSON, else a string). Repeatable.",
      valueName: "key.path=value"))
  var overrides: [String] = []

  func load() throws -> TrainingConfig {
    try TrainingConfig.load(file: config, overrides: overrides)
  }
}

/// Runs a command body, turning errors into a message on standard error and the exit status
/// they deserve.
func reportingErrors(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as ExitStatusError {
    FileHandle.standardError.write(Data("fit: error: \(error)\n".utf8))
    throw ExitCode(error.exitStatus.rawValue)
  } catch let error as ExitCode {
    throw error
  } catch {
    FileHandle.standardError.write(Data("fit: error: \(error)\n".utf8))
    throw ExitCode(ExitStatus.dataError.rawValue)
  }
}

func printJSON<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
