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
      SignalHandling.onInterrupt { stop.set() }
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
        let command = resumeCommand(CommandLine.arguments)
        FileHandle.standardError.write(
          Data(
            ("fit: interrupted after step \(step); checkpoint saved to \(checkpoint ?? "?").\n"
              + "fit: resume with: \(command)\n").utf8))
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

/// SIGINT and SIGTERM ask the run to stop after its current step instead of killing it; a second
/// one, for a process the user runs (not a batch's training, which may get both the terminal's
/// SIGINT and the batch's SIGTERM), exits at once: the last checkpoint written stays valid, as
/// after a kill.
enum SignalHandling {
  /// For a training started by `fit batch` (`BatchRunner.parentVariable` holds the batch's
  /// pid): should the batch die, even by SIGKILL, the kernel sends this process SIGTERM, so it
  /// saves a checkpoint and stops rather than running on unsupervised. If the batch is already
  /// gone, that happens now. Call after `onInterrupt`.
  static func stopWithBatchParent() {
    guard let text = ProcessInfo.processInfo.environment[BatchRunner.parentVariable],
      let parent = pid_t(text)
    else { return }
    _ = fit_set_parent_death_signal(SIGTERM)
    if getppid() != parent { kill(getpid(), SIGTERM) }
  }

  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

  nonisolated(unsafe) private static var received = 0
  /// One queue for every source, so that their handlers run one at a time.
  private static let queue = DispatchQueue(label: "fit.signals")

  static func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
    let forcible = ProcessInfo.processInfo.environment[BatchRunner.parentVariable] == nil
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
      source.setEventHandler {
        received += 1
        if received > 1 && forcible {
          FileHandle.standardError.write(
            Data("fit: interrupted again: stopping now, without a new checkpoint\n".utf8))
          _exit(ExitStatus.interrupted.rawValue)
        }
        handler()
      }
      source.resume()
      sources.append(source)
    }
  }
}
