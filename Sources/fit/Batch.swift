import ArgumentParser
import Foundation
import Training

struct Batch: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train many configs, one config over many data files, or a grid of values.",
    discussion: """
      fit batch a.json b.json                       each config
      fit batch --config c.json d1.csv d2.csv       one config over each data file
      fit batch --config c.json --grid optimizer.lr=0.1,0.01 --grid model.degree=2,3
      Each run gets its own folder under --out; summary.csv and summary.svg compare them.
      """)

  @Argument(help: "Config files, or data files when --config is given.")
  var inputs: [String] = []

  @Option(name: .shortAndLong, help: "The one config to train over data files or a grid.")
  var config: String?

  @Option(
    help: ArgumentHelp(
      "An axis of the grid: key.path=v1,v2,... Repeatable.", valueName: "key.path=values"))
  var grid: [String] = []

  @Option(
    name: .customLong("set"),
    help: ArgumentHelp("Override for every run. Repeatable.", valueName: "key.path=value"))
  var overrides: [String] = []

  @Option(help: "Trainings run at once: the number of cores unless given.")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "The batch folder.")
  var out = "runs/batch"

  @Flag(help: "Skip finished runs and resume unfinished ones.")
  var resume = false

  @Flag(help: "Print nothing but the summary table and errors.")
  var quiet = false

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    if config == nil && inputs.isEmpty { throw ValidationError("give config files or --config") }
  }

  func run() throws {
    try reportingErrors {
      let directory = URL(fileURLWithPath: out, isDirectory: true)
      let plan = try BatchPlan(
        configs: config.map { [$0] } ?? inputs, dataFiles: config == nil ? [] : inputs, grid: grid,
        overrides: overrides, batchDirectory: directory)
      let runner = BatchRunner(
        plan: plan, executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
        batchDirectory: directory, jobs: jobs, resume: resume,
        reporter: Reporter.automatic(quiet: quiet))
      SignalHandling.onInterrupt {
        runner.interrupt()
        // Each training stops within its own grace period; the batch waits a little longer, to
        // write the summary of the runs that stopped.
        return .wait(grace: StopRequest.gracePeriod + .milliseconds(150)) {
          "fit: batch interrupted: its trainings did not all stop in time; stopping now without "
            + "a summary (each training stops by itself within a second); rerun with --resume "
            + "to continue"
        }
      }
      let outcomes = try runner.run()
      if runner.wasInterrupted { SignalHandling.stoppingByItself() }
      print(BatchRunner.table(outcomes))
      print("summary: \(directory.appendingPathComponent("summary.csv").path)")
      if runner.wasInterrupted {
        FileHandle.standardError.write(
          Data(
            ("fit: batch interrupted: running trainings stopped (with a checkpoint if they had "
              + "finished a step); rerun with --resume to continue\n").utf8))
        throw ExitCode(ExitStatus.interrupted.rawValue)
      }
      let failed = outcomes.filter { $0.summary == nil }.count
      if failed > 0 {
        FileHandle.standardError.write(
          Data("fit: \(failed) of \(outcomes.count) runs failed\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
