import DataIO
import Foundation
import Training

/// One reader under test: valid inputs to mutate, odd inputs to try as they are, and how to read
/// a case. A case passes when it is read, or refused with an error that names `place(file)`
/// (the file, so a user knows which input is wrong); anything else (a signal, a hang, an error
/// without its place) fails.
struct FuzzTarget {
  var name: String
  /// The case file's extension (`csv`, `json`, `h5`, `args`).
  var fileExtension: String
  var seeds: [[UInt8]]
  /// Structurally odd inputs, each run once before the mutations.
  var oddCases: [[UInt8]] = []
  var mutator = Mutator(tokens: [])
  /// Reads the case at the URL; returning normally means the input was accepted.
  var read: (URL, Int) throws -> Void
  /// Whether a refusal's message names the place of the problem (by default: the file).
  var namesPlace: (String, URL) -> Bool = { message, file in message.contains(file.path) }
}

/// Text tokens that number, CSV and JSON parsers treat specially.
let textTokens: [[UInt8]] = [
  "NaN", "nan", "inf", "-Infinity", "1e999", "-1e-999", "0x1p3", "1e", "-", "+", ".", "1.2.3",
  "\"", "\"\"", "\"a,b\"", ",,", "\r\n", "\n\n", "\r", "\u{FEFF}", "\\u0000", "\\ud800", "{",
  "}", "[", "]", ":", "null", "true", "[[[[[[[[", "{\"a\":", "99999999999999999999999",
  "1" + String(repeating: "0", count: 400), "é", "\u{0}", "\t", ";",
].map { Array($0.utf8) }

extension FuzzTarget {
  /// The CSV reader, whole-file and block by block (blocks of 1 to 64 bytes put every record
  /// and field boundary at a block end somewhere), through `InMemoryDataset.csv`.
  static func csv() -> FuzzTarget {
    let seeds = [
      "x0,x1,y\n1,2,3\n4.5,-6e-3,7\n8,9,10\n",
      "\"a\",\"b, c\",y\r\n1,2,3\r\n\"4\",5,6\r\n",
      "x;y\n1;2\n3;4\n",
      "id,x,y\n0,1.5,2\n1,2.5,3\n2,,4\n",
      "x,y\n" + (0..<40).map { "\($0).25,\(2 * $0 + 1)" }.joined(separator: "\n") + "\n",
      "\u{FEFF}x,y\n1e308,2\n-0,3\n",
    ].map { Array($0.utf8) }
    let odd = [
      "", "\n", "x,y\n", ",\n,\n", "y\n1\n", "x,y\n1,2", "x,y,y\n1,2,3\n", "\"x,y\n1,2\n",
      "x,y\n\"1\"\"\",2\n", String(repeating: ",", count: 10_000) + "y\n",
      "x,y\n" + String(repeating: "1", count: 100_000) + ",2\n",
    ].map { Array($0.utf8) }
    return FuzzTarget(
      name: "csv", fileExtension: "csv", seeds: seeds, oddCases: odd,
      mutator: Mutator(tokens: textTokens),
      read: { url, index in
        _ = try CSVReader(url: url, blockSize: 1 + index % 64).readAll()
        _ = try InMemoryDataset.csv(url: url, targets: ["y"])
      })
  }

  /// `TrainingConfig.parse` of a config file's text.
  static func config(examples: [[UInt8]]) -> FuzzTarget {
    let seeds =
      examples
      + [
        #"{"data": {"path": "d.csv", "targets": ["y"]}, "model": {"kind": "polynomial", "degree": 2}}"#,
        #"{"name": "n", "data": {"path": "d.csv", "targets": ["y"], "validation": {"fraction": 0.25}}, "optimizer": {"kind": "adam", "lr": 0.01, "schedule": {"kind": "cosine", "epochs": 10}}, "training": {"epochs": 3, "batchSize": 4, "earlyStopping": {"patience": 2}}, "loss": {"kind": "huber", "delta": 1.5}, "output": {"dir": "runs/n", "checkpointEvery": {"steps": 2}}}"#,
      ].map { Array($0.utf8) }
    return FuzzTarget(
      name: "config", fileExtension: "json", seeds: seeds,
      oddCases: [
        "", "{}", "[]", "{\"data\": {}}", "\u{FEFF}{}", String(repeating: "[", count: 100_000),
      ]
      .map { Array($0.utf8) },
      mutator: Mutator(tokens: textTokens),
      read: { url, _ in
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        _ = try TrainingConfig.parse(
          text, file: url.path, baseDirectory: url.deletingLastPathComponent().path)
      })
  }

  /// `--set` arguments (one a line) applied to a valid config.
  static func overrides() -> FuzzTarget {
    let base = #"{"data": {"path": "d.csv", "targets": ["y"]}, "training": {"epochs": 3}}"#
    let seeds = [
      "optimizer.lr=0.1\ntraining.epochs=5",
      "model.kind=polynomial\nmodel.degree=3",
      "data.validation.fraction=0.5\nname=lr=0.1_degree=2",
      "optimizer={\"kind\": \"sgd\", \"lr\": 0.01}\ntraining.batchSize=all",
      "loss.kind=huber\nloss.delta=2\noutput.dir=/tmp/x",
      "data.targets=[\"y\"]\ntraining.tolerance=1e-6",
    ].map { Array($0.utf8) }
    return FuzzTarget(
      name: "set", fileExtension: "args", seeds: seeds,
      oddCases: [
        "=", "a=", "=1", "..=1", "a..b=1", "data=null", "data.path.x=1", "training.epochs=1e999",
      ]
      .map { Array($0.utf8) },
      mutator: Mutator(tokens: textTokens + [Array("=".utf8), Array(".".utf8)]),
      read: { url, _ in
        let lines = String(decoding: try Data(contentsOf: url), as: UTF8.self)
          .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        _ = try TrainingConfig.parse(
          base, file: url.path, baseDirectory: url.deletingLastPathComponent().path,
          overrides: lines)
      },
      // A bad argument is named as `--set <argument>`, a bad value by the file and key path.
      namesPlace: { message, file in message.contains(file.path) || message.contains("--set ") })
  }

  /// HDF5 data files read whole (`InMemoryDataset.hdf5`) or streamed in chunks
  /// (`HDF5StreamingDataset`, every row). Mutations favour the first 4 KiB, where the
  /// superblock, object headers and B-tree nodes of small files are.
  static func hdf5(seeds: [[UInt8]], streaming: Bool) -> FuzzTarget {
    FuzzTarget(
      name: streaming ? "hdf5-stream" : "hdf5", fileExtension: "h5", seeds: seeds,
      mutator: Mutator(tokens: [], hotPrefix: 4096, hotShare: 0.75),
      read: { url, _ in
        if streaming {
          let data = try HDF5StreamingDataset(url: url)
          let step = max(data.chunkRows ?? 64, 1)
          for start in stride(from: 0, to: data.rowCount, by: step) {
            _ = try data.rows(start..<min(start + step, data.rowCount))
          }
        } else {
          _ = try InMemoryDataset.hdf5(url: url)
        }
      })
  }

  /// `model.json` as `fit predict` and `fit eval` read it, and a prediction with it.
  static func model(seeds: [[UInt8]]) -> FuzzTarget {
    FuzzTarget(
      name: "model", fileExtension: "json", seeds: seeds,
      oddCases: ["", "{}", "null", "[]", "{\"format\": \"fit-model\"}"].map { Array($0.utf8) },
      mutator: Mutator(tokens: textTokens),
      read: { url, _ in
        let model = try FittedModel.load(from: url)
        _ = model.predict(rows: [Double](repeating: 0.5, count: model.inputs.count))
      })
  }

  /// Checkpoints, as mutated (the whole-file checksum catches these) and resealed after the
  /// mutation (a valid checksum over damaged HDF5, so the reader behind it is tested too).
  static func checkpoint(seeds: [[UInt8]]) -> FuzzTarget {
    FuzzTarget(
      name: "checkpoint", fileExtension: "h5", seeds: seeds,
      mutator: Mutator(tokens: [], hotPrefix: 512 + 4096, hotShare: 0.75),
      read: { url, index in
        if index % 2 == 1 { try? FileChecksum.seal(url) }
        _ = try Checkpoint.read(from: url)
      })
  }
}
