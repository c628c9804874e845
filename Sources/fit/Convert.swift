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

  @Option(
    parsing: .upToNextOption,
    help: ArgumentHelp(
      "Feature columns, by name (default: all the others, but for --exclude and an unnamed "
        + "first column of row numbers 0..n−1 or 1..n, pandas' index or R's row names)."))
  var features: [String] = []

  @Option(
    parsing: .upToNextOption,
    help: "Columns to leave out of the default features, by name ('' for an unnamed one).")
  var exclude: [String] = []

  @OptionGroup var csv: CSVArguments

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
    if !features.isEmpty && !exclude.isEmpty {
      throw ValidationError("--exclude applies to the default features; give --features alone")
    }
    if let target = exclude.first(where: targets.contains) {
      throw ValidationError("--exclude '\(target)' is also a target (--targets)")
    }
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
      let options = try csv.options(path: input)
      let summary = try CSVArguments.advisingOptions {
        try convertCSVToHDF5(
          csv: URL(fileURLWithPath: input), hdf5: URL(fileURLWithPath: output),
          features: features.isEmpty ? nil : features.map { .name($0) },
          targets: targets.map { .name($0) }, exclude: exclude.map { .name($0) },
          options: options, chunkRows: chunkRows, gzipLevel: gzip < 0 ? nil : gzip)
      }
      if let index = summary.rowIndexColumn {
        FileHandle.standardError.write(Data("note: \(index.note)\n".utf8))
      }
      if summary.featureNames.contains("") {
        FileHandle.standardError.write(
          Data(
            ("warning: \(URL(fileURLWithPath: input).path) has a column without a name, written as a feature (its values "
              + "are not the row numbers 0..n−1 or 1..n of an index, which would be left out); "
              + "to leave it out, pass --exclude ''\n").utf8))
      }
      print(
        "wrote \(output): \(summary.rows) rows, features \(summary.featureNames), "
          + "targets \(summary.targetNames)"
          + (summary.droppedRows > 0 ? ", \(summary.droppedRows) rows left out" : ""))
    }
  }
}
