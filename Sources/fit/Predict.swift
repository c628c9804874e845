import ArgumentParser
import DataIO
import Foundation
import Training

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict with a saved model.json on the rows of a CSV or HDF5 (/X) file.")

  @Option(help: "A model.json written by a run.")
  var model: String

  @Option(
    help: "A CSV file (tab-separated for .tsv) with the model's input columns, or an HDF5 file.")
  var data: String

  @Option(help: "Where to write the predictions (CSV); standard output when omitted or `-`.")
  var out: String?

  @OptionGroup var csv: CSVArguments

  func run() throws {
    try reportingErrors {
      let fitted = try FittedModel.load(from: URL(fileURLWithPath: model))
      let table = try ModelData.read(path: data, inputs: fitted.inputs, csv: csv)
      let predictions = try fitted.predictions(
        rows: table.values, modelFile: model, dataFile: data)
      var text = fitted.targets.joined(separator: ",") + "\n"
      let t = fitted.targets.count
      for r in 0..<table.rows {
        text += (0..<t).map { "\(predictions[r * t + $0])" }.joined(separator: ",") + "\n"
      }
      if let out, out != "-" {
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
      } else {
        print(text, terminator: "")
      }
    }
  }
}

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Metrics (MSE, RMSE, MAE, R²) of a saved model.json on a CSV or HDF5 (/X, /y) file.")

  @Option(help: "A model.json written by a run.")
  var model: String

  @Option(
    help: "A CSV file (tab-separated for .tsv) with the model's inputs and targets, or HDF5.")
  var data: String

  @Flag(help: "Print the metrics as JSON.")
  var json = false

  @OptionGroup var csv: CSVArguments

  func run() throws {
    try reportingErrors {
      let fitted = try FittedModel.load(from: URL(fileURLWithPath: model))
      let inputs = try ModelData.read(path: data, inputs: fitted.inputs, csv: csv)
      let targets = try ModelData.read(
        path: data, inputs: fitted.targets, isTarget: true, csv: csv)
      let metrics = RegressionMetrics(
        predictions: try fitted.predictions(rows: inputs.values, modelFile: model, dataFile: data),
        targets: targets.values,
        targetCount: fitted.targets.count)
      if json {
        try printJSON(metrics)
      } else {
        print(
          String(
            format: "rows %d  mse %.6g  rmse %.6g  mae %.6g  r2 %.6f", metrics.rows, metrics.mse,
            metrics.rmse, metrics.mae, metrics.r2))
      }
    }
  }
}

/// The model's columns of a data file: CSV columns by name (so that other columns, such as the
/// row index pandas' `to_csv()` writes, are passed over), or for HDF5 the features (`/X`) or
/// targets (`/y`) data set, checked against the model's column count, or in a file without
/// `/X` that holds one pandas frame (`df.to_hdf`), its columns by name.
enum ModelData {
  /// The file's pandas frame, if it holds exactly one; several are refused, as no option here
  /// chooses among them.
  private static func soleFrame(_ file: HDF5File) throws -> String? {
    let frames = try PandasFrame.groups(in: file)
    guard frames.count <= 1 else {
      throw TrainingError.badData(
        "\(file.path): has no /X but several pandas frames (\(frames.joined(separator: ", "))); "
          + "write the one to evaluate on to a file of its own")
    }
    return frames.first
  }

  static func read(path: String, inputs: [String], isTarget: Bool = false, csv: CSVArguments)
    throws -> Table
  {
    let table = try readColumns(path: path, inputs: inputs, isTarget: isTarget, csv: csv)
    guard table.rows > 0 else { throw TrainingError.badData("\(path): the data set has no rows") }
    return table
  }

  private static func readColumns(
    path: String, inputs: [String], isTarget: Bool, csv: CSVArguments
  ) throws -> Table {
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw TrainingError.missingInput("data file \(path) does not exist or cannot be read")
    }
    let url = URL(fileURLWithPath: path)
    guard DataConfig.Format(path: path) == .hdf5 else {
      var options = try csv.options(path: path)
      options.columns = inputs.map { .name($0) }
      return try CSVArguments.advisingOptions { try CSVReader.read(url: url, options: options) }
    }
    let file = try HDF5File(url: url)
    if !file.contains("/X"), let frame = try soleFrame(file) {
      // A pandas frame's columns are taken by name, as a CSV file's.
      let table = try PandasFrame(file: file, group: frame).table(columns: inputs)
      try InMemoryDataset(table: table, features: [], targets: inputs.map { .name($0) })
        .requireFinite(featuresName: frame, targetsName: frame)
      return table
    }
    let data = try InMemoryDataset.hdf5(url: url)
    try data.requireFinite(featuresName: "/X", targetsName: "/y")
    let (values, columns, names) =
      isTarget
      ? (data.targets, data.targetCount, data.targetNames)
      : (data.features, data.featureCount, data.featureNames)
    let name = isTarget ? "/y" : "/X"
    // Columns named in the file (its `columns` attribute, as `fit convert` writes) are taken by
    // name, in the model's order; unnamed ones (x0, x1, ... or y0, ...) by position.
    let unnamed = names == (0..<columns).map { "\(isTarget ? "y" : "x")\($0)" }
    if !unnamed {
      if let missing = inputs.first(where: { !names.contains($0) }) {
        throw TrainingError.badData(
          "\(path): \(name) has no column named \"\(missing)\" (its columns are "
            + "\(names.joined(separator: ", ")); the model expects "
            + "\(inputs.joined(separator: ", ")))")
      }
      return try Table(columnNames: names, values: values, rows: data.rowCount, source: path)
        .selecting(inputs.map { .name($0) })
    }
    guard columns == inputs.count else {
      throw TrainingError.badData(
        "\(path): \(name) has \(columns) columns, the model expects "
          + "\(inputs.count) (\(inputs.joined(separator: ", ")))")
    }
    return Table(columnNames: inputs, values: values, rows: data.rowCount, source: path)
  }
}
