import ArgumentParser
import Training

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate a config without training and print it resolved (defaults filled in).")

  @OptionGroup var options: ConfigOptions

  func run() throws {
    try reportingErrors {
      print(try options.load().renderedJSON(), terminator: "")
    }
  }
}
