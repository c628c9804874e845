import ArgumentParser
import DataIO
import Foundation
import Training

struct Convert: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Convert a CSV file into a chunked HDF5 file (/X features, /y targets).")

  @Argument(help: "The CSV file to read.")
  var input: String

  @Argument(help: "The HDF5 file to write (replaced atomically when complete).")
  var output: String

  @Option(parsing: .upToNextOption, help: "Target columns, by name.")
  var targets: [String]

  @Option(parsing: .upToNextOption, help: "Feature columns, by name (default: all the others).")
  var features: [String] = []

  @Option(help: "Rows per HDF5 chunk.")
  var chunkRows = 4096

  @Option(help: "gzip level 0–9, or -1 (written `--gzip=-1`) for no compression.")
  var gzip = 4

  func validate() throws {
    guard chunkRows > 0 else { throw ValidationError("--chunk-rows must be positive") }
    guard chunkRows <= 1 << 24 else {
      throw ValidationError("--chunk-rows must be at most 16777216")
    }
    guard (-1...9).contains(gzip) else { throw ValidationError("--gzip must be in -1...9") }
  }

  func run() throws {
    try reportingErrors {
      guard FileManager.default.isReadableFile(atPath: input) else {
        throw TrainingError.missingInput("\(input) does not exist or cannot be read")
      }
      do {
        try checkConversionTarget(
          csv: URL(fileURLWithPath: input), hdf5: URL(fileURLWithPath: output))
      } catch DataIOError.invalidRequest(_, let message) {
        throw OutputError.cannotCreate(output, reason: message)
      }
      let summary = try convertCSVToHDF5(
        csv: URL(fileURLWithPath: input), hdf5: URL(fileURLWithPath: output),
        features: features.isEmpty ? nil : features.map { .name($0) },
        targets: targets.map { .name($0) },
        options: CSVOptions(
          delimiter: DataConfig.Format.delimiter(path: input),
          finiteOnly: true),
        chunkRows: chunkRows,
        gzipLevel: gzip < 0 ? nil : gzip)
      print(
        "wrote \(output): \(summary.rows) rows, features \(summary.featureNames), "
          + "targets \(summary.targetNames)"
          + (summary.droppedRows > 0 ? ", \(summary.droppedRows) rows left out" : ""))
    }
  }
}
