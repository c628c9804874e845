// From checked JSON to typed config, section by section. Every object's keys are checked before
// its values are read, so a misspelt key is reported as such rather than as its correct
// spelling missing. The defaults written here are the ones documented in `Config.swift`.

extension TrainingConfig {
  static func build(_ root: JSONValue, _ reader: ConfigReader, defaultName: String)
    throws(ConfigError) -> TrainingConfig
  {
    guard case .object(let members) = root else {
      throw reader.error(.wrongType(expected: "an object", found: describeFound(root)), at: "")
    }
    let top = ConfigObject(reader: reader, path: "", members: members)
    try top.checkKeys([
      "version", "name", "data", "model", "loss", "optimizer", "schedule", "training", "output",
    ])
    let version = try top.int(
      "version", default: currentVersion,
      IntegerRule(expected: "\(currentVersion) (the version this fit reads)") {
        $0 == currentVersion
      })
    let name = try top.string("name", default: defaultName)
    guard name.utf8.count <= RunName.maximumLength else {
      throw top.invalid(
        "name",
        expected: "a name of at most \(RunName.maximumLength) characters (it names the run "
          + "folder)")
    }
    guard RunName.isValid(name) else {
      throw top.invalid(
        "name",
        expected: "a non-empty name of \(RunName.allowedCharacters), other than `.` and `..`")
    }
    guard top.contains("data") else {
      throw top.error(.missingKey(expected: "an object with the data file's `path`"), at: "data")
    }
    // Sections in the order a config lists them, so errors come in that order.
    let data = try DataConfig(try top.object("data"))
    let model = try ModelConfig(top)
    let loss = try LossConfig(top)
    let optimizer = try OptimizerConfig(top)
    let schedule = try ScheduleConfig(
      top, lr: optimizer.lr, autoLR: optimizer.autoLR, validation: data.validation)
    let training = try TrainingOptions(
      try top.object("training"), validation: data.validation, stream: data.stream)
    let output = try OutputConfig(try top.object("output"), name: name)
    return TrainingConfig(
      version: version, name: name, data: data, model: model, loss: loss, optimizer: optimizer,
      schedule: schedule, training: training, output: output)
  }
}

/// The words for "needs validation data" in errors.
private let noValidationNote = "when there is no validation data (data.validation.fraction is 0)"

extension DataConfig {
  private static let commonKeys = [
    "path", "format", "features", "targets", "exclude", "validation", "shuffle", "standardize",
    "missing",
  ]
  private static let csvKeys = ["delimiter", "decimal", "header"]
  private static let hdf5Keys = ["hdf5", "stream"]

  init(_ o: ConfigObject) throws(ConfigError) {
    try o.checkKeys(Self.commonKeys + Self.csvKeys + Self.hdf5Keys)
    let rawPath = try o.string("path", default: nil, expected: "a string (the data file)")
    guard !rawPath.isEmpty else { throw o.invalid("path", expected: "a non-empty path") }
    if o.contains("format") {
      format = try o.choice("format", default: nil)
    } else {
      guard let named = Format(path: rawPath) else {
        throw o.error(
          .missingKey(
            expected: "one of \"csv\", \"hdf5\" (the extension of \(renderJSONString(rawPath)) "
              + "does not tell)"),
          at: "format")
      }
      format = named
    }
    let formatKeys = format == .csv ? Self.csvKeys : Self.hdf5Keys
    try o.checkKeys(
      Self.commonKeys + formatKeys,
      usedElsewhere: format == .csv ? Self.hdf5Keys : Self.csvKeys,
      note: "not used with data.format \(renderJSONString(format.rawValue))")
    path = o.reader.resolve(rawPath, at: o.keyPath("path"))

    features = try o.nullableStringList("features")
    targets = try o.nullableStringList("targets")
    if format == .csv && targets == nil {
      throw o.error(
        .missingKey(expected: "a non-empty array of column names (the values to predict)"),
        at: "targets")
    }
    if let features, let targets, let shared = features.first(where: targets.contains) {
      throw o.invalid(
        "features", expected: "columns that are not targets (\(renderJSONString(shared)) is both)")
    }
    exclude = try Self.excludedColumns(o)
    for (list, names) in [("targets", targets), ("features", features)] {
      if let shared = exclude.first(where: { names?.contains($0) == true }) {
        throw o.invalid(
          "exclude",
          expected: "columns that are not \(list) (\(renderJSONString(shared)) is in data.\(list))")
      }
    }

    if format == .hdf5 {
      let h = try o.object("hdf5")
      try h.checkKeys(["features", "targets", "frame"])
      if h.contains("frame") && (h.contains("features") || h.contains("targets")) {
        throw o.invalid(
          "hdf5",
          expected: "either `frame` (a pandas frame) or `features` and `targets` (data sets)")
      }
      let features = try h.string("features", default: "/X", expected: "a data set path")
      let targets = try h.string("targets", default: "/y", expected: "a data set path")
      let frame =
        try h.contains("frame") ? h.string("frame", default: nil, expected: "a group path") : nil
      for (key, value) in [("features", features), ("targets", targets)] where value.isEmpty {
        throw h.invalid(key, expected: "a non-empty data set path")
      }
      if frame?.isEmpty == true { throw h.invalid("frame", expected: "a non-empty group path") }
      let datasets = HDF5Datasets(features: features, targets: targets, frame: frame)
      // Columns of data sets named in data.hdf5 are the data sets' own: names would be silently
      // ignored. With the default paths the file may hold a pandas frame instead, which only
      // reading it tells (and reading refuses names for /X and /y).
      if frame == nil, datasets != HDF5Datasets(),
        let key = [
          ("features", self.features), ("targets", self.targets),
          ("exclude", exclude.isEmpty ? nil : exclude),
        ].first(where: { $0.1 != nil })?.0
      {
        throw o.invalid(
          key,
          expected: "null with data.hdf5.features and data.hdf5.targets (their columns are "
            + "the data sets'; names choose columns of a pandas frame, data.hdf5.frame)")
      }
      hdf5 = datasets
    } else {
      hdf5 = nil
    }

    switch o["validation"] {
    case nil:
      validation = .fraction(0.2)
    case .object?:
      let v = try o.object("validation")
      try v.checkKeys(["fraction", "path"])
      if v.contains("fraction") && v.contains("path") {
        throw o.invalid("validation", expected: "either `fraction` or `path`, not both")
      }
      if v.contains("path") {
        let rawPath = try v.string("path", default: nil, expected: "a string (the data file)")
        guard !rawPath.isEmpty else { throw v.invalid("path", expected: "a non-empty path") }
        validation = .file(o.reader.resolve(rawPath, at: v.keyPath("path")))
      } else {
        validation = .fraction(try v.double("fraction", default: 0.2, .unitHalfOpen))
      }
    case let value?:
      throw o.error(
        .wrongType(
          expected: "an object with `fraction` or `path`", found: describeFound(value)),
        at: "validation")
    }

    shuffle = try o.bool("shuffle", default: true)
    standardize = try o.bool("standardize", default: true)
    missing = try o.choice("missing", default: MissingValues.error)
    delimiter = try o.string("delimiter", default: String(Format.delimiter(path: rawPath)))
    let scalars = delimiter.unicodeScalars
    guard scalars.count == 1, let scalar = scalars.first, scalar.isASCII,
      !"\"\n\r".unicodeScalars.contains(scalar)
    else {
      throw o.invalid(
        "delimiter", expected: "a single ASCII character other than a quote or line break")
    }
    decimal = try o.string("decimal", default: ".")
    guard decimal == "." || decimal == "," else {
      throw o.invalid("decimal", expected: "\".\" or \",\"")
    }
    if decimal == "," && delimiter == "," {
      throw o.invalid(
        "decimal",
        expected: "\".\" with data.delimiter \",\" (a decimal comma needs another delimiter: "
          + "set data.delimiter, usually to \";\")")
    }
    header = try o.bool("header", default: true)
    stream = try o.bool("stream", default: false)
  }

  /// `exclude`: an array of distinct column names, possibly empty, where `""` names a column
  /// without a name (pandas' index); `[]` when absent or null.
  private static func excludedColumns(_ o: ConfigObject) throws(ConfigError) -> [String] {
    let expected = "an array of distinct column names"
    switch o["exclude"] {
    case nil, .null?: return []
    case .array(let elements)?:
      var names: [String] = []
      for (index, element) in elements.enumerated() {
        let elementPath = ConfigKeyPath.element(o.keyPath("exclude"), index)
        guard case .string(let name) = element else {
          throw o.reader.error(
            .wrongType(expected: "a column name (a string)", found: describeFound(element)),
            at: elementPath)
        }
        guard !names.contains(name) else {
          throw o.reader.error(
            .invalidValue(
              expected: "a name not listed before", found: describeFound(element),
              suggestion: nil),
            at: elementPath)
        }
        names.append(name)
      }
      return names
    case let value?:
      throw o.error(.wrongType(expected: expected, found: describeFound(value)), at: "exclude")
    }
  }
}

extension ModelConfig {
  init(_ top: ConfigObject) throws(ConfigError) {
    let (kind, m) = try top.kindObject("model", default: Kind.linear)
    let polynomialKeys = ["degree", "interactionOnly"]
    try m.checkKeys(
      ["kind", "bias"] + (kind == .polynomial ? polynomialKeys : []),
      usedElsewhere: polynomialKeys, note: "only for model kind \"polynomial\"")
    self.kind = kind
    bias = try m.bool("bias", default: true)
    degree = kind == .polynomial ? try m.int("degree", default: 2, .atLeast(1)) : 1
    interactionOnly = try m.bool("interactionOnly", default: false)
  }
}

extension LossConfig {
  init(_ top: ConfigObject) throws(ConfigError) {
    let (kind, l) = try top.kindObject("loss", default: Kind.mse)
    try l.checkKeys(
      ["kind", "l2"] + (kind == .huber ? ["delta"] : []), usedElsewhere: ["delta"],
      note: "only for loss kind \"huber\"")
    self.kind = kind
    delta = try l.double("delta", default: 1.0, .positive)
    l2 = try l.double("l2", default: 0, .nonNegative)
  }
}

extension OptimizerConfig {
  private static let sgdKeys = ["kind", "lr", "momentum", "dampening", "nesterov", "weightDecay"]
  private static let adamKeys = ["kind", "lr", "betas", "eps", "weightDecay", "amsgrad"]

  init(_ top: ConfigObject) throws(ConfigError) {
    // Without an `optimizer` the default is the one that converges on its own: Nesterov's
    // method at the rate and momentum of the design's spectrum. An `optimizer` section keeps
    // the earlier defaults (Adam without a `kind`) and PyTorch's rates, so that a config
    // ported from PyTorch trains as it did there.
    // A section without `kind` that sets an SGD-only key (`--set optimizer.momentum=0.99` on a
    // config without one) refines the default; otherwise it is Adam, as before.
    var isDefault = !top.contains("optimizer")
    if case .object(let members)? = top["optimizer"], !members.contains(where: { $0.key == "kind" }),
      members.contains(where: { ["momentum", "dampening", "nesterov"].contains($0.key) })
    {
      isDefault = true
    }
    let (kind, o) = try top.kindObject("optimizer", default: isDefault ? Kind.momentum : .adam)
    let isSGD = kind == .sgd || kind == .momentum
    try o.checkKeys(
      isSGD ? Self.sgdKeys : Self.adamKeys, usedElsewhere: isSGD ? Self.adamKeys : Self.sgdKeys,
      note: "not used by optimizer kind \(renderJSONString(kind.rawValue))")
    self.kind = kind
    autoLR = (isDefault && !o.contains("lr")) || o["lr"] == .string("auto")
    lr = autoLR ? 0 : try o.double("lr", default: isSGD ? 0.01 : 0.001, .positive)
    weightDecay = try o.double("weightDecay", default: kind == .adamw ? 0.01 : 0, .nonNegative)
    autoMomentum = isSGD && ((isDefault && !o.contains("momentum")) || o["momentum"] == .string("auto"))
    if autoMomentum {
      momentum = 0.9  // until a trainer resolves it
    } else if kind == .momentum {
      momentum = try o.double("momentum", default: 0.9, .unitOpen)
    } else {
      momentum = try o.double("momentum", default: 0, .unitHalfOpen)
    }
    dampening = try o.double("dampening", default: 0, .unitClosed)
    nesterov = try o.bool("nesterov", default: isDefault)
    if nesterov && ((momentum == 0 && !autoMomentum) || dampening != 0) {
      throw o.invalid(
        "nesterov", expected: "false unless momentum > 0 and dampening is 0 (as Nesterov needs)")
    }
    (beta1, beta2) = try Self.betas(o)
    eps = try o.double("eps", default: 1e-8, .positive)
    amsgrad = try o.bool("amsgrad", default: false)
  }

  private static func betas(_ o: ConfigObject) throws(ConfigError) -> (Double, Double) {
    let expected = "an array of two numbers in [0, 1)"
    switch o["betas"] {
    case nil: return (0.9, 0.999)
    case .array(let elements)? where elements.count == 2:
      var values: [Double] = []
      for (index, element) in elements.enumerated() {
        let path = ConfigKeyPath.element(o.keyPath("betas"), index)
        guard case .number(let literal) = element, let value = Double(literal) else {
          throw o.reader.error(
            .wrongType(expected: NumberRule.unitHalfOpen.expected, found: describeFound(element)),
            at: path)
        }
        guard NumberRule.unitHalfOpen.accepts(value) else {
          throw o.reader.error(
            .invalidValue(
              expected: NumberRule.unitHalfOpen.expected, found: literal, suggestion: nil),
            at: path)
        }
        values.append(value)
      }
      return (values[0], values[1])
    case .array?: throw o.invalid("betas", expected: expected)
    case let value?:
      throw o.error(.wrongType(expected: expected, found: describeFound(value)), at: "betas")
    }
  }
}

extension ScheduleConfig {
  private static let keysByKind: [Kind: [String]] = [
    .constant: [],
    .step: ["stepSize", "gamma"],
    .exponential: ["gamma"],
    .cosine: ["minLR", "tMax"],
    .plateau: ["factor", "patience", "minLR"],
  ]

  init(
    _ top: ConfigObject, lr: Double, autoLR: Bool, validation: DataConfig.Validation
  ) throws(ConfigError) {
    let (kind, s) = try top.kindObject("schedule", default: Kind.constant)
    let allKindKeys = ["stepSize", "gamma", "minLR", "tMax", "factor", "patience"]
    try s.checkKeys(
      ["kind", "warmupSteps"] + Self.keysByKind[kind]!, usedElsewhere: allKindKeys,
      note: "not used by schedule kind \(renderJSONString(kind.rawValue))")
    self.kind = kind
    warmupSteps = try s.int("warmupSteps", default: 0, .atLeast(0))
    stepSize = kind == .step ? try s.int("stepSize", default: nil, .atLeast(1)) : nil
    gamma = try s.double("gamma", default: kind == .exponential ? nil : 0.1, .decay)
    // With `"lr": "auto"` the rate is known only with the data; the trainer checks it then.
    let belowLR =
      autoLR
      ? NumberRule.nonNegative
      : NumberRule(expected: "a number ≥ 0 and below optimizer.lr (\(lr))") {
        $0 >= 0 && $0 < lr
      }
    minLR = try s.double("minLR", default: 0, belowLR)
    tMax = try s.nullableInt("tMax", .atLeast(1))
    factor = try s.double("factor", default: 0.1, .unitOpen)
    patience = try s.int("patience", default: 10, .atLeast(0))
    if kind == .plateau && !validation.isEnabled {
      let expected = "a kind other than \"plateau\" \(noValidationNote)"
      guard s.contains("kind") else {  // the short form, `"schedule": "plateau"`
        throw s.reader.error(
          .invalidValue(expected: expected, found: "\"plateau\"", suggestion: nil), at: s.path)
      }
      throw s.invalid("kind", expected: expected)
    }
  }
}

extension TrainingOptions {
  init(_ t: ConfigObject, validation: DataConfig.Validation, stream: Bool) throws(ConfigError) {
    try t.checkKeys([
      "epochs", "batchSize", "microBatchSize", "seed", "clipNorm", "clipValue", "earlyStopping",
      "tolerance", "requireConvergence",
    ])
    // A streamed data set is never held whole, so its default batch is bounded.
    if t["batchSize"] == .string("all") {
      batchSize = Self.allRows
    } else {
      batchSize = try t.int(
        "batchSize", default: stream ? 65_536 : Self.allRows, .atLeast(1))
    }
    epochs = try t.int("epochs", default: batchSize == Self.allRows ? 10_000 : 100, .atLeast(1))
    microBatchSize = try t.int(
      "microBatchSize", default: min(batchSize, 65_536),
      .within(1...batchSize, "at most training.batchSize"))
    tolerance = try t.double("tolerance", default: 1e-4, .positive)
    requireConvergence = try t.bool("requireConvergence", default: false)
    seed = try t.uint64("seed", default: 0)
    clipNorm = try t.nullableDouble("clipNorm", .positive)
    clipValue = try t.nullableDouble("clipValue", .positive)
    if let e = try t.nullableObject("earlyStopping") {
      try e.checkKeys(["patience", "minDelta"])
      earlyStopping = EarlyStopping(
        patience: try e.int("patience", default: 5, .atLeast(1)),
        minDelta: try e.double("minDelta", default: 0, .nonNegative))
      if !validation.isEnabled {
        throw t.invalid("earlyStopping", expected: "null \(noValidationNote)")
      }
    } else {
      earlyStopping = nil
    }
  }
}

extension OutputConfig {
  init(_ o: ConfigObject, name: String) throws(ConfigError) {
    try o.checkKeys(["dir", "checkpointEvery", "keepLast"])
    let rawDir = try o.string("dir", default: "runs/\(name)")
    guard !rawDir.isEmpty else { throw o.invalid("dir", expected: "a non-empty path") }
    dir = o.reader.resolve(rawDir, at: o.keyPath("dir"))
    if o.contains("checkpointEvery") {
      if let c = try o.nullableObject("checkpointEvery") {
        try c.checkKeys(["steps", "epochs", "seconds"])
        checkpointEvery = CheckpointInterval(
          steps: try c.nullableInt("steps", .atLeast(1)),
          epochs: c.contains("epochs") ? try c.nullableInt("epochs", .atLeast(1)) : 1,
          seconds: try c.nullableDouble("seconds", .positive))
      } else {
        checkpointEvery = CheckpointInterval(steps: nil, epochs: nil)
      }
    } else {
      checkpointEvery = CheckpointInterval(steps: nil, epochs: nil, seconds: 10)
    }
    keepLast = try o.int("keepLast", default: 3, .atLeast(1))
  }
}
