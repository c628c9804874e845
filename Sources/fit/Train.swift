import ArgumentParser
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

  func run() throws {
    try reportingErrors {
      let config = try options.load()
      let reporter = Reporter.automatic(quiet: quiet || json)
      let training = TrainingRun(config: config, reporter: reporter)
      let stop = training.stopRequest
      SignalHandling.onInterrupt { stop.set() }
      let summary = try training.run()
      if json {
        try printJSON(summary)
      } else if !quiet {
        print(summary.coefficientTable())
        print("run folder: \(summary.runDirectory)")
      }
    }
  }
}

/// SIGINT and SIGTERM ask the run to stop after its current step instead of killing it.
enum SignalHandling {
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

  static func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler(handler: handler)
      source.resume()
      sources.append(source)
    }
  }
}
