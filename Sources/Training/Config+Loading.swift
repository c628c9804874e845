import Foundation

extension TrainingConfig {
  /// The largest config file read. Hand-written configs are a few kilobytes; a list of a
  /// hundred thousand column names is about 1 MB. Each JSON value costs about 200 bytes of
  /// memory with its key path and position, and may be written in two (`1,`), so a file of this
  /// size is read in about 200 MB, and a larger one is refused before it is read.
  public static let maximumFileSize = 4 << 20
  /// Reads, overrides and checks the config file at `path`.
  ///
  /// Relative paths inside the file resolve against the file's folder; relative paths given by
  /// `--set` resolve against `workingDirectory` (default: the current folder), as the shell
  /// would. `overrides` are `key.path=value` arguments applied in order (see `parse`).
  ///
  /// ```swift
  /// let config = try TrainingConfig.load(file: "configs/linear.json", overrides: ["optimizer.lr=0.1"])
  /// print(config.renderedJSON())
  /// ```
  ///
  /// - Throws: `ConfigError` naming the file, and the line, column and key path of the first
  ///   problem found.
  public static func load(
    file path: String, overrides: [String] = [], workingDirectory: String? = nil
  ) throws(ConfigError) -> TrainingConfig {
    let workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
    let absolute = normalizePath(path.hasPrefix("/") ? path : workingDirectory + "/" + path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
      throw ConfigError(problem: .unreadable(reason: "no such file"), keyPath: "", file: path)
    }
    guard !isDirectory.boolValue else {
      throw ConfigError(problem: .unreadable(reason: "it is a folder"), keyPath: "", file: path)
    }
    // A pipe (`--config <(generate-config)`) has no size to read up to: read it to its end, and
    // resolve its relative paths against the working folder, as it has no folder of its own.
    let attributes = try? FileManager.default.attributesOfItem(atPath: absolute)
    let isRegular = attributes?[.type] as? FileAttributeType == .typeRegular
    let tooLarge = { (size: String) in
      ConfigError(
        problem: .unreadable(
          reason: "it is \(size) bytes; a config file may be at most \(maximumFileSize) bytes "
            + "(4 MiB)"), keyPath: "", file: path)
    }
    if isRegular, let size = attributes?[.size] as? Int, size > maximumFileSize {
      throw tooLarge("\(size)")
    }
    let contents =
      isRegular
      ? FileManager.default.contents(atPath: absolute)
      : (try? FileHandle(forReadingFrom: URL(fileURLWithPath: absolute)).read(
        upToCount: maximumFileSize + 1)) ?? nil
    guard let data = contents else {
      throw ConfigError(
        problem: .unreadable(reason: "permission denied or I/O error"), keyPath: "", file: path)
    }
    // A pipe, or a file that grew since it was measured.
    guard data.count <= maximumFileSize else { throw tooLarge("more than \(maximumFileSize)") }
    let fileName = absolute.split(separator: "/").last.map(String.init) ?? "fit"
    let stem = fileName.contains(".") ? String(fileName[..<fileName.lastIndex(of: ".")!]) : fileName
    return try parse(
      try decodeJSONText(data, file: path), file: path,
      baseDirectory: isRegular ? ConfigKeyPath.parent(ofFile: absolute) : workingDirectory,
      overrides: overrides, workingDirectory: workingDirectory,
      defaultName: isRegular ? stem : "fit")
  }

  /// Reads, overrides and checks config text.
  ///
  /// - Parameters:
  ///   - text: the JSON text.
  ///   - file: the name errors give the text (nil: none).
  ///   - baseDirectory: the absolute folder relative paths in the text resolve against.
  ///   - overrides: `key.path=value` arguments of `--set`, applied in order before checking.
  ///     The value is read as JSON when it parses as JSON, and as a string otherwise; missing
  ///     objects along the path are created.
  ///   - workingDirectory: the folder relative paths given by overrides resolve against
  ///     (default: `baseDirectory`).
  ///   - defaultName: the run's name when the config has no `name` (default `"fit"`).
  public static func parse(
    _ text: String, file: String? = nil, baseDirectory: String, overrides: [String] = [],
    workingDirectory: String? = nil, defaultName: String = "fit"
  ) throws(ConfigError) -> TrainingConfig {
    var parser = JSONParser(text, file: file)
    var root = try parser.parseDocument()
    var positions = parser.positions
    var origins: [String: String] = [:]
    for argument in overrides {
      try ConfigOverride(parsing: argument).apply(
        to: &root, positions: &positions, overrides: &origins)
    }
    let reader = ConfigReader(
      file: file, positions: positions, overrides: origins,
      baseDirectory: normalizePath(baseDirectory),
      workingDirectory: normalizePath(workingDirectory ?? baseDirectory))
    return try build(root, reader, defaultName: sanitizedName(defaultName))
  }

  /// A file name made into a valid run name: other characters become `-`.
  private static func sanitizedName(_ name: String) -> String {
    let cleaned = RunName.sanitized(name, replacement: "-")
    return RunName.isValid(cleaned) ? cleaned : "fit"
  }
}

extension ConfigKeyPath {
  /// The folder of an absolute file path.
  static func parent(ofFile path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }
}
