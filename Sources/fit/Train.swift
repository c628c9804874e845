import ArgumentParser
import CSystem
import Foundation
import Training

#if canImport(Glibc)
  import Glibc
#endif

struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a model as a config describes (the default command).")

  @OptionGroup var options: ConfigOptions

  @Flag(help: "Print nothing but errors.")
  var quiet = false

  @Flag(help: "Print a machine-readable summary of the run as JSON on standard output.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Continue from the run folder's latest valid checkpoint (--resume alone) or from the "
        + "checkpoint file PATH.", valueName: "PATH"))
  var resume: String?

  @Flag(
    name: .customLong("require-convergence"),
    help: "Exit with status 5 when the run does not converge (training.requireConvergence).")
  var requireConvergence = false

  @Option(
    name: .customLong("verify-resume"),
    help: ArgumentHelp(
      "Train straight to the end, then again stopping after step K and resuming, in temporary "
        + "folders, and compare the final parameters and optimizer state bit for bit.",
      valueName: "K"))
  var verifyResume: Int?

  func validate() throws {
    if let verifyResume, verifyResume < 1 {
      throw ValidationError("--verify-resume needs a step K ≥ 1")
    }
    if verifyResume != nil && resume != nil {
      throw ValidationError("--verify-resume and --resume cannot be combined")
    }
  }

  func run() throws {
    try reportingErrors {
      var config = try options.load()
      if requireConvergence { config.training.requireConvergence = true }
      if let verifyResume {
        let report = try ResumeVerification.run(config: config, stopAtStep: verifyResume)
        for line in report.lines { print(line) }
        guard report.identical else { throw ExitCode(ExitStatus.software.rawValue) }
        return
      }
      let reporter = Reporter.automatic(quiet: quiet || json)
      let training = TrainingRun(
        config: config, reporter: reporter,
        resume: resume.map { $0 == Fit.resumeLatest ? .latest : .file($0) })
      let stop = training.stopRequest
      let command = resumeCommand(CommandLine.arguments)
      SignalHandling.onInterrupt {
        let status = stop.request()
        guard status.stopsBetweenSteps else {
          return .exitNow(
            "fit: interrupted while \(status.phase): stopping now"
              + Self.checkpointNote(status, command: command))
        }
        return .wait(grace: StopRequest.gracePeriod) {
          let status = stop.status
          return "fit: interrupted: step \(status.step + 1) did not finish within "
            + "\(StopRequest.gracePeriod); stopping now"
            + Self.checkpointNote(status, command: command)
        }
      }
      SignalHandling.stopWithBatchParent()
      let summary: RunSummary
      var notConverged: TrainingError?
      do {
        summary = try training.run()
      } catch TrainingError.notConverged(let message) {
        // The results are written and worth showing; the status says they missed the optimum.
        guard let written = training.lastSummary else { throw TrainingError.notConverged(message) }
        summary = written
        notConverged = TrainingError.notConverged(message)
      } catch TrainingError.interrupted(let step, let checkpoint) {
        SignalHandling.stoppingByItself()
        FileHandle.standardError.write(
          Data(
            (checkpoint.map {
              "fit: interrupted after step \(step); checkpoint saved to \($0).\n"
                + "fit: resume with: \(command)\n"
            } ?? "fit: interrupted before the first step; no checkpoint was written\n").utf8))
        throw ExitCode(ExitStatus.interrupted.rawValue)
      } catch let error as CheckpointError {
        guard case .writeFailed = error else { throw error }
        // libhdf5 (1.10) crashes in its exit handler when a file it failed to flush is still
        // open, so after reporting the failure the process ends without running exit handlers.
        FileHandle.standardError.write(Data("fit: error: \(error)\n".utf8))
        fflush(nil)
        _exit(error.exitStatus.rawValue)
      }
      if json {
        try printJSON(summary)
      } else if !quiet {
        print(summary.coefficientTable())
        print("run folder: \(summary.runDirectory)")
      }
      if let notConverged { throw notConverged }
    }
  }
}

extension Train {
  /// What an interrupt that does not wait leaves to resume from: the last checkpoint and the
  /// command, or that there is none.
  static func checkpointNote(_ status: StopRequest.Status, command: String) -> String {
    guard let checkpoint = status.checkpoint else { return "; no checkpoint was written" }
    return " without a new checkpoint; the last one, \(checkpoint.path) (step \(checkpoint.step)), "
      + "stays valid\nfit: resume with: \(command)"
  }
}

/// The command line that continues an interrupted run: this one, with `--resume` in place of
/// any `--resume [PATH]` it had.
func resumeCommand(_ arguments: [String]) -> String {
  var kept: [String] = []
  var skipPath = false
  for argument in arguments.dropFirst() {
    if skipPath {
      skipPath = false
      if !argument.hasPrefix("-") { continue }
    }
    if argument == "--resume" {
      skipPath = true
      continue
    }
    if argument.hasPrefix("--resume=") { continue }
    kept.append(argument)
  }
  return (["fit"] + kept.map(shellQuoted) + ["--resume"]).joined(separator: " ")
}

/// `argument` as a shell word: unchanged when it is plain, else in single quotes.
func shellQuoted(_ argument: String) -> String {
  let plain =
    !argument.isEmpty
    && argument.unicodeScalars.allSatisfy {
      $0.isASCII
        && (CharacterSet.alphanumerics.contains($0) || "_./=:,@%+-".unicodeScalars.contains($0))
    }
  return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
