// The resolved config as JSON: every default filled in, paths absolute, keys sorted. It is what
// `fit check` prints and what a run saves beside its results; reading it back gives an equal
// `TrainingConfig`.

extension TrainingConfig {
  /// The config with every default filled in, as pretty JSON (two-space indents, keys sorted,
  /// paths absolute), ending in a newline. Keys that do not apply to the chosen kinds (a
  /// polynomial's `degree` for a linear model, Adam's `betas` for SGD) are left out.
  public func renderedJSON() -> String {
    renderJSON(jsonValue) + "\n"
  }

  var jsonValue: JSONValue {
    .object([
      member("version", .integer(version)),
      member("name", .string(name)),
      member("data", data.jsonValue),
      member("model", model.jsonValue),
      member("loss", loss.jsonValue),
      member("optimizer", optimizer.jsonValue),
      member("schedule", schedule.jsonValue),
      member("training", training.jsonValue),
      member("output", output.jsonValue),
    ])
  }
}

private func member(_ key: String, _ value: JSONValue) -> JSONMember {
  JSONMember(key: key, value: value)
}

extension JSONValue {
  static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

  /// Swift's shortest round-tripping form (`0.001`, `1e-08`, `100.0`), which is valid JSON for
  /// finite numbers.
  static func double(_ value: Double) -> JSONValue { .number(value.description) }

  static func optional<T>(_ value: T?, _ wrap: (T) -> JSONValue) -> JSONValue {
    value.map(wrap) ?? .null
  }

  static func strings(_ values: [String]?) -> JSONValue {
    values.map { .array($0.map(JSONValue.string)) } ?? .null
  }
}

extension DataConfig {
  var jsonValue: JSONValue {
    var members = [
      member("path", .string(path)),
      member("format", .string(format.rawValue)),
      member("features", .strings(features)),
      member("targets", .strings(targets)),
      member("exclude", .strings(exclude)),
      member("shuffle", .bool(shuffle)),
      member("standardize", .bool(standardize)),
      member("missing", .string(missing.rawValue)),
    ]
    switch validation {
    case .fraction(let fraction):
      members.append(member("validation", .object([member("fraction", .double(fraction))])))
    case .file(let path):
      members.append(member("validation", .object([member("path", .string(path))])))
    }
    if let hdf5 {
      members.append(
        member(
          "hdf5",
          .object(
            hdf5.frame.map { [member("frame", .string($0))] } ?? [
              member("features", .string(hdf5.features)),
              member("targets", .string(hdf5.targets)),
            ])))
      members.append(member("stream", .bool(stream)))
    } else {
      members.append(member("delimiter", .string(delimiter)))
      members.append(member("decimal", .string(decimal)))
      members.append(member("header", .bool(header)))
    }
    return .object(members)
  }
}

extension ModelConfig {
  var jsonValue: JSONValue {
    var members = [member("kind", .string(kind.rawValue)), member("bias", .bool(bias))]
    if kind == .polynomial {
      members.append(member("degree", .integer(degree)))
      members.append(member("interactionOnly", .bool(interactionOnly)))
    }
    return .object(members)
  }
}

extension LossConfig {
  var jsonValue: JSONValue {
    var members = [member("kind", .string(kind.rawValue)), member("l2", .double(l2))]
    if kind == .huber { members.append(member("delta", .double(delta))) }
    return .object(members)
  }
}

extension OptimizerConfig {
  var jsonValue: JSONValue {
    var members = [
      member("kind", .string(kind.rawValue)),
      member("lr", autoLR ? .string("auto") : .double(lr)),
      member("weightDecay", .double(weightDecay)),
    ]
    if isSGDFamily {
      members += [
        member("momentum", autoMomentum ? .string("auto") : .double(momentum)),
        member("dampening", .double(dampening)),
        member("nesterov", .bool(nesterov)),
      ]
    } else {
      members += [
        member("betas", .array([.double(beta1), .double(beta2)])),
        member("eps", .double(eps)),
        member("amsgrad", .bool(amsgrad)),
      ]
    }
    return .object(members)
  }
}

extension ScheduleConfig {
  var jsonValue: JSONValue {
    var members = [
      member("kind", .string(kind.rawValue)), member("warmupSteps", .integer(warmupSteps)),
    ]
    switch kind {
    case .constant:
      break
    case .step:
      members += [
        member("stepSize", .optional(stepSize, JSONValue.integer)), member("gamma", .double(gamma)),
      ]
    case .exponential:
      members.append(member("gamma", .double(gamma)))
    case .cosine:
      members += [
        member("minLR", .double(minLR)), member("tMax", .optional(tMax, JSONValue.integer)),
      ]
    case .plateau:
      members += [
        member("factor", .double(factor)),
        member("patience", .integer(patience)),
        member("minLR", .double(minLR)),
      ]
    }
    return .object(members)
  }
}

extension TrainingOptions {
  var jsonValue: JSONValue {
    .object([
      member("epochs", .integer(epochs)),
      member("batchSize", batchSize == Self.allRows ? .string("all") : .integer(batchSize)),
      member("microBatchSize", .integer(microBatchSize)),
      member("tolerance", .double(tolerance)),
      member("requireConvergence", .bool(requireConvergence)),
      member("seed", .number(String(seed))),
      member("clipNorm", .optional(clipNorm, JSONValue.double)),
      member("clipValue", .optional(clipValue, JSONValue.double)),
      member(
        "earlyStopping",
        .optional(earlyStopping) {
          .object([
            member("patience", .integer($0.patience)), member("minDelta", .double($0.minDelta)),
          ])
        }),
    ])
  }
}

extension OutputConfig {
  var jsonValue: JSONValue {
    .object([
      member("dir", .string(dir)),
      member(
        "checkpointEvery",
        .object([
          member("steps", .optional(checkpointEvery.steps, JSONValue.integer)),
          member("epochs", .optional(checkpointEvery.epochs, JSONValue.integer)),
          member("seconds", .optional(checkpointEvery.seconds, JSONValue.double)),
        ])),
      member("keepLast", .integer(keepLast)),
    ])
  }
}
