import Foundation

/// The runs of a `fit batch`: configs, one config over several data files, or the cross product
/// of `--grid` values, each with its own name and run folder under the batch folder.
public struct BatchPlan: Sendable {
  public struct Run: Sendable, Equatable {
    /// Unique within the batch; also the run folder's name. A valid config `name` (`RunName`):
    /// other characters of the varied values or file names become `_`.
    public var name: String
    public var configPath: String
    /// `--set` overrides that make this run (data path, grid values, output folder).
    public var overrides: [String]
    /// The data file, as given.
    public var data: String
    /// The varied values, `key=value`, for the summary.
    public var varied: [String]
  }

  public var runs: [Run]

  /// - Parameters:
  ///   - configs: config files (each a run), or one config when `dataFiles` or `grid` is given.
  ///   - dataFiles: data files to train the one config on.
  ///   - grid: `key.path=v1,v2,...` axes, expanded into their cross product.
  ///   - overrides: applied to every run.
  public init(
    configs: [String], dataFiles: [String], grid: [String], overrides: [String],
    batchDirectory: URL
  ) throws {
    guard !configs.isEmpty else { throw BatchError.usage("fit batch needs at least one config") }
    if !dataFiles.isEmpty || !grid.isEmpty {
      guard configs.count == 1 else {
        throw BatchError.usage("data files and --grid need exactly one config (--config)")
      }
    }
    var axes: [(key: String, values: [String])] = []
    for axis in grid {
      guard let equals = axis.firstIndex(of: "="), equals != axis.startIndex else {
        throw BatchError.usage("--grid \(axis): expected key.path=value1,value2,...")
      }
      let values = Self.topLevelValues(axis[axis.index(after: equals)...])
      guard !values.isEmpty else { throw BatchError.usage("--grid \(axis): no values") }
      axes.append((String(axis[..<equals]), values))
    }
    var combinations: [[(String, String)]] = [[]]
    for axis in axes {
      combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] }
      }
    }
    // A data file's run is named after the file; files of one base name (tr.csv, h5/tr.h5) keep
    // their extension, so their runs do not collide.
    let baseNames = dataFiles.map {
      URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent
    }
    func dataName(_ data: String) -> String {
      let url = URL(fileURLWithPath: data)
      let base = url.deletingPathExtension().lastPathComponent
      return baseNames.filter { $0 == base }.count > 1 ? url.lastPathComponent : base
    }
    var runs: [Run] = []
    for config in configs {
      let configName = URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent
      for data in dataFiles.isEmpty ? [""] : dataFiles {
        for combination in combinations {
          var nameParts: [String] = []
          if configs.count > 1 || (dataFiles.isEmpty && combination.isEmpty) {
            nameParts.append(configName)
          }
          if !data.isEmpty { nameParts.append(dataName(data)) }
          nameParts += combination.map { key, value in
            "\(key.split(separator: ".").last ?? Substring(key))=\(value)"
          }
          let name = RunName.sanitized(nameParts.joined(separator: "_"), replacement: "_")
          var runOverrides = overrides
          if !data.isEmpty {
            let absolute =
              data.hasPrefix("/") ? data : FileManager.default.currentDirectoryPath + "/" + data
            runOverrides.append("data.path=\(absolute)")
            // One config serves CSV and HDF5 files alike: an HDF5 file's columns are its data
            // sets, so the config's CSV column names do not apply to it.
            switch DataConfig.Format(path: data) {
            case .hdf5?:
              runOverrides += [#"data.format="hdf5""#, "data.features=null", "data.targets=null"]
            case .csv?:
              runOverrides.append(#"data.format="csv""#)
            case nil:
              break
            }
          }
          runOverrides += combination.map { "\($0)=\($1)" }
          runOverrides.append("output.dir=\(batchDirectory.appendingPathComponent(name).path)")
          runs.append(
            Run(
              name: name, configPath: config, overrides: runOverrides, data: data,
              varied: combination.map { "\($0)=\($1)" }))
        }
      }
    }
    let names = runs.map(\.name)
    guard Set(names).count == names.count else {
      throw BatchError.usage(
        "two runs would share a name (\(names)); give configs or data files distinct names")
    }
    self.runs = runs
  }

  /// `text` split at the commas that are outside JSON brackets, braces and strings, so that a
  /// grid value may itself be an array or object: `[0.9,0.99],[0.8,0.9]` is two values.
  static func topLevelValues(_ text: Substring) -> [String] {
    var values: [String] = []
    var current = ""
    var depth = 0
    var inString = false
    var escaped = false
    for character in text {
      if inString {
        if escaped {
          escaped = false
        } else if character == "\\" {
          escaped = true
        } else if character == "\"" {
          inString = false
        }
      } else if character == "\"" {
        inString = true
      } else if "[{".contains(character) {
        depth += 1
      } else if "]}".contains(character) {
        depth = max(depth - 1, 0)
      } else if character == "," && depth == 0 {
        if !current.isEmpty { values.append(current) }
        current = ""
        continue
      }
      current.append(character)
    }
    if !current.isEmpty { values.append(current) }
    return values
  }
}

public enum BatchError: ExitStatusError, CustomStringConvertible {
  case usage(String)
  public var exitStatus: ExitStatus { .usage }
  public var description: String {
    switch self {
    case .usage(let message): message
    }
  }
}
