/// A saved state, as checkpoints store it: named scalars and named arrays of `Double`s, with the
/// kind of object that saved it (PyTorch: the `state_dict()` of an optimizer or scheduler).
///
/// Keys follow PyTorch's names where it has them, numbered by position, so that a state saved
/// from one run loads into the same optimizer built from the same configuration in another:
/// `group.0.lr`, `param.3.step`, `param.3.exp_avg`, `param.3.momentum_buffer`. Every value is
/// stored exactly, so restoring and then stepping is bit-identical to never having saved.
///
/// Some scalars can be infinite (`ReduceOnPlateau`'s best metric before the first step); an
/// encoder must be told how to write them (e.g. `JSONEncoder.nonConformingFloatEncodingStrategy`).
public struct StateDict: Equatable, Codable, Sendable {
  /// Which type saved this state (`"SGD"`, `"Adam"`, `"LearningRateScheduler"`, ...).
  public var kind: String
  /// Named scalars: step counts, hyper-parameters, schedule positions.
  public var scalars: [String: Double]
  /// Named arrays: per-parameter buffers, flattened row-major like the parameter.
  public var arrays: [String: [Double]]

  public init(kind: String, scalars: [String: Double] = [:], arrays: [String: [Double]] = [:]) {
    self.kind = kind
    self.scalars = scalars
    self.arrays = arrays
  }
}

// MARK: - Checked reading, for `load(_:)`

extension StateDict {
  /// Throws unless this state was saved by `expected`.
  func requireKind(_ expected: String) throws {
    guard kind == expected else {
      throw OptimError.stateMismatch(
        key: "kind", reason: "state was saved by \(kind), cannot load it into \(expected)")
    }
  }

  /// The scalar `key`, which must be present.
  func scalar(_ key: String) throws -> Double {
    guard let value = scalars[key] else {
      throw OptimError.stateMismatch(key: key, reason: "missing")
    }
    return value
  }

  /// The scalar `key` as a non-negative whole number (a count or a position).
  func count(_ key: String) throws -> Int {
    let value = try scalar(key)
    guard value >= 0, value == value.rounded(), value < 0x1p53 else {
      throw OptimError.stateMismatch(key: key, reason: "expected a whole number ≥ 0, got \(value)")
    }
    return Int(value)
  }

  /// The scalar `key`, which must equal `expected` exactly (a hyper-parameter fixed at creation).
  func requireScalar(_ key: String, equals expected: Double) throws {
    let saved = try scalar(key)
    guard saved == expected || (saved.isNaN && expected.isNaN) else {
      throw OptimError.stateMismatch(
        key: key, reason: "saved with \(saved), this object has \(expected)")
    }
  }

  /// The array `key`, or nil when absent; when present it must have `count` elements.
  func optionalArray(_ key: String, count: Int) throws -> [Double]? {
    guard let values = arrays[key] else { return nil }
    guard values.count == count else {
      throw OptimError.stateMismatch(
        key: key, reason: "has \(values.count) elements, expected \(count)")
    }
    return values
  }

  /// The array `key`, which must be present with `count` elements.
  func array(_ key: String, count: Int) throws -> [Double] {
    guard let values = try optionalArray(key, count: count) else {
      throw OptimError.stateMismatch(key: key, reason: "missing")
    }
    return values
  }
}
