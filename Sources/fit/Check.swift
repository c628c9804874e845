import ArgumentParser
import Training

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate a config without training and print it resolved (defaults filled in).",
    discussion: """
      Checks the config's keys and values, that each data file it names can be read, that a \
      CSV header has the named columns and that an HDF5 file has its data sets. The rows \
      themselves are read only by training.
      """)

  @OptionGroup var options: ConfigOptions

  func run() throws {
    try reportingErrors {
      let config = try options.load()
      try PreparedData.checkInputs(config)
      print(config.renderedJSON(), terminator: "")
    }
  }
}
