import ArgumentParser
import Training

struct GradCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Check the model's analytic gradients against finite differences on real data.")

  @OptionGroup var options: ConfigOptions

  @Option(help: "Training rows to use.")
  var rows = 64

  @Option(help: "Largest relative error accepted.")
  var tolerance = 1e-6

  func validate() throws {
    guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
    guard tolerance.isFinite && tolerance > 0 else {
      throw ValidationError("--tolerance must be a positive number")
    }
  }

  func run() throws {
    try reportingErrors {
      let report = try GradientCheck.run(config: try options.load(), rows: rows)
      for line in report.lines { print(line) }
      if report.worstRelativeError > tolerance {
        print("FAILED: worst relative error \(report.worstRelativeError) > \(tolerance)")
        throw ExitCode(ExitStatus.gradientMismatch.rawValue)
      }
      print("ok: worst relative error \(report.worstRelativeError) ≤ \(tolerance)")
    }
  }
}
