// Typed reads out of a parsed config. Each read knows its key path, so every error can name the
// key, say what was expected and what was found, and point at the line and column (or the
// `--set` argument) the value came from.

/// A constraint on a number, with the words an error uses for it.
struct NumberRule: Sendable {
  let expected: String
  let accepts: @Sendable (Double) -> Bool

  static let any = NumberRule(expected: "a number") { _ in true }
  static let positive = NumberRule(expected: "a number > 0") { $0 > 0 }
  static let nonNegative = NumberRule(expected: "a number ≥ 0") { $0 >= 0 }
  /// [0, 1): fractions, betas, momentum.
  static let unitHalfOpen = NumberRule(expected: "a number in [0, 1)") { $0 >= 0 && $0 < 1 }
  /// [0, 1].
  static let unitClosed = NumberRule(expected: "a number in [0, 1]") { $0 >= 0 && $0 <= 1 }
  /// (0, 1).
  static let unitOpen = NumberRule(expected: "a number in (0, 1)") { $0 > 0 && $0 < 1 }
  /// (0, 1]: decay factors.
  static let decay = NumberRule(expected: "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
}

/// A constraint on an integer, with the words an error uses for it.
struct IntegerRule: Sendable {
  let expected: String
  let accepts: @Sendable (Int) -> Bool

  static func atLeast(_ lower: Int) -> IntegerRule {
    IntegerRule(expected: "an integer ≥ \(lower)") { $0 >= lower }
  }

  static func within(_ range: ClosedRange<Int>, _ note: String = "") -> IntegerRule {
    let suffix = note.isEmpty ? "" : " (\(note))"
    return IntegerRule(
      expected: "an integer in \(range.lowerBound)...\(range.upperBound)\(suffix)"
    ) { range.contains($0) }
  }
}

/// The context every read shares: the document's origin and where each value came from.
struct ConfigReader {
  let file: String?
  let positions: JSONPositions
  /// Key paths whose value came from `--set`, with the `key.path=value` argument.
  let overrides: [String: String]
  /// The folder of the config file: relative paths in the file resolve against it.
  let baseDirectory: String
  /// The current folder: relative paths given by `--set` resolve against it.
  let workingDirectory: String

  /// An error at `path`, located at the nearest of the path and its ancestors whose origin is
  /// known: a `--set` argument, or a line and column in the file (the key itself for key errors,
  /// the value otherwise).
  func error(_ problem: ConfigError.Problem, at path: String) -> ConfigError {
    var error = ConfigError(problem: problem, keyPath: path, file: file)
    let isAboutKey: Bool
    switch problem {
    case .unknownKey, .duplicateKey: isAboutKey = true
    default: isAboutKey = false
    }
    var current: String? = path
    while let candidate = current {
      if let argument = overrides[candidate] {
        error.override = argument
        return error
      }
      let position =
        isAboutKey && candidate == path
        ? positions.keys[candidate] ?? positions.value(at: candidate)
        : positions.value(at: candidate)
      if let position {
        error.line = position.line
        error.column = position.column
        return error
      }
      current = ConfigKeyPath.parent(of: candidate)
    }
    return error
  }

  /// Whether the value at `path` (or an object containing it) was given by `--set`.
  func isOverridden(_ path: String) -> Bool {
    var current: String? = path
    while let candidate = current {
      if overrides[candidate] != nil { return true }
      current = ConfigKeyPath.parent(of: candidate)
    }
    return false
  }

  /// `path` made absolute: against the current folder when `--set` gave it, against the config
  /// file's folder otherwise; `.` and `..` components are removed.
  func resolve(_ path: String, at keyPath: String) -> String {
    let base = isOverridden(keyPath) ? workingDirectory : baseDirectory
    return normalizePath(path.hasPrefix("/") ? path : base + "/" + path)
  }
}

/// An absolute path without `.`, `..` or empty components (`..` at the root stays at the root).
func normalizePath(_ path: String) -> String {
  var parts: [Substring] = []
  for part in path.split(separator: "/", omittingEmptySubsequences: true) {
    switch part {
    case ".": continue
    case "..": if !parts.isEmpty { parts.removeLast() }
    default: parts.append(part)
    }
  }
  return "/" + parts.joined(separator: "/")
}

/// One JSON object of the config, read key by key.
struct ConfigObject {
  let reader: ConfigReader
  let path: String
  let members: [JSONMember]

  func keyPath(_ key: String) -> String { ConfigKeyPath.member(path, key) }

  subscript(key: String) -> JSONValue? { members.first { $0.key == key }?.value }

  func contains(_ key: String) -> Bool { self[key] != nil }

  func error(_ problem: ConfigError.Problem, at key: String) -> ConfigError {
    reader.error(problem, at: keyPath(key))
  }

  /// An `invalidValue` error for the value at `key`.
  func invalid(_ key: String, expected: String, suggestion: String? = nil) -> ConfigError {
    error(
      .invalidValue(
        expected: expected, found: self[key].map(describeFound) ?? "nothing",
        suggestion: suggestion),
      at: key)
  }

  /// Rejects the first key (in the order written) that is not in `allowed`, suggesting the
  /// nearest allowed one when it looks like a misspelling.
  ///
  /// A key in `usedElsewhere` (valid for another kind or format) is reported with `note`, which
  /// says why it does not apply here, instead of a suggestion.
  func checkKeys(_ allowed: [String], usedElsewhere: [String] = [], note: String? = nil)
    throws(ConfigError)
  {
    for member in members where !allowed.contains(member.key) {
      if usedElsewhere.contains(member.key) {
        throw error(.unknownKey(allowed: allowed, suggestion: nil, note: note), at: member.key)
      }
      let suggestion = nearestSuggestion(for: member.key, among: allowed).map(keyPath)
      throw error(
        .unknownKey(allowed: allowed, suggestion: suggestion, note: nil), at: member.key)
    }
  }

  // MARK: Objects

  /// The object at `key`; an empty object when absent, so that its defaults apply.
  func object(_ key: String) throws(ConfigError) -> ConfigObject {
    switch self[key] {
    case nil: return ConfigObject(reader: reader, path: keyPath(key), members: [])
    case .object(let members)?:
      return ConfigObject(reader: reader, path: keyPath(key), members: members)
    case let value?:
      throw error(.wrongType(expected: "an object", found: describeFound(value)), at: key)
    }
  }

  /// The object at `key`, or nil when it is absent or null.
  func nullableObject(_ key: String) throws(ConfigError) -> ConfigObject? {
    switch self[key] {
    case nil, .null?: return nil
    case .object(let members)?:
      return ConfigObject(reader: reader, path: keyPath(key), members: members)
    case let value?:
      throw error(.wrongType(expected: "an object or null", found: describeFound(value)), at: key)
    }
  }

  /// An object with a `kind`, which may be written as its kind alone (`"loss": "mse"`). Returns
  /// the kind and the object (empty for the short form).
  func kindObject<Kind: RawRepresentable & CaseIterable>(
    _ key: String, default defaultKind: Kind
  ) throws(ConfigError) -> (Kind, ConfigObject) where Kind.RawValue == String {
    switch self[key] {
    case nil:
      return (defaultKind, ConfigObject(reader: reader, path: keyPath(key), members: []))
    case .string?:
      let kind = try choice(key, default: defaultKind)
      return (kind, ConfigObject(reader: reader, path: keyPath(key), members: []))
    case .object(let members)?:
      let object = ConfigObject(reader: reader, path: keyPath(key), members: members)
      return (try object.choice("kind", default: defaultKind), object)
    case let value?:
      throw error(
        .wrongType(
          expected: "an object or one of \(Self.quotedList(Kind.self))", found: describeFound(value)
        ),
        at: key)
    }
  }

  // MARK: Scalars

  /// The number at `key`, or `defaultValue` when absent (nil: the key is required).
  func double(_ key: String, default defaultValue: Double?, _ rule: NumberRule) throws(ConfigError)
    -> Double
  {
    guard let value = self[key] else {
      guard let defaultValue else { throw error(.missingKey(expected: rule.expected), at: key) }
      return defaultValue
    }
    return try number(value, key, rule)
  }

  /// The number at `key`, or nil when absent or null.
  func nullableDouble(_ key: String, _ rule: NumberRule) throws(ConfigError) -> Double? {
    guard let value = self[key], value != .null else { return nil }
    return try number(value, key, rule, nullable: true)
  }

  private func number(_ value: JSONValue, _ key: String, _ rule: NumberRule, nullable: Bool = false)
    throws(ConfigError) -> Double
  {
    guard case .number(let literal) = value, let number = Double(literal) else {
      let expected = nullable ? rule.expected + " or null" : rule.expected
      throw error(.wrongType(expected: expected, found: describeFound(value)), at: key)
    }
    guard number.isFinite else {
      throw invalid(key, expected: rule.expected + " (a finite number; this one overflows)")
    }
    guard rule.accepts(number) else { throw invalid(key, expected: rule.expected) }
    return number
  }

  /// The integer at `key`, or `defaultValue` when absent (nil: the key is required).
  func int(_ key: String, default defaultValue: Int?, _ rule: IntegerRule) throws(ConfigError)
    -> Int
  {
    guard let value = self[key] else {
      guard let defaultValue else { throw error(.missingKey(expected: rule.expected), at: key) }
      return defaultValue
    }
    return try integer(value, key, rule)
  }

  /// The integer at `key`, or nil when absent or null.
  func nullableInt(_ key: String, _ rule: IntegerRule) throws(ConfigError) -> Int? {
    guard let value = self[key], value != .null else { return nil }
    return try integer(value, key, rule, nullable: true)
  }

  private func integer(
    _ value: JSONValue, _ key: String, _ rule: IntegerRule, nullable: Bool = false
  ) throws(ConfigError) -> Int {
    let expected = nullable ? rule.expected + " or null" : rule.expected
    guard case .number(let literal) = value else {
      throw error(.wrongType(expected: expected, found: describeFound(value)), at: key)
    }
    let integer: Int?
    if let exact = Int(literal) {
      integer = exact
    } else if let number = Double(literal), number == number.rounded(), abs(number) < 0x1p53 {
      integer = Int(number)  // 1e3, 50.0
    } else if let number = Double(literal), number != number.rounded() {
      throw error(.wrongType(expected: expected, found: literal), at: key)
    } else {
      integer = nil  // too large for Int
    }
    guard let integer, rule.accepts(integer) else { throw invalid(key, expected: rule.expected) }
    return integer
  }

  /// A 64-bit unsigned integer (a seed), read exactly from its digits.
  func uint64(_ key: String, default defaultValue: UInt64) throws(ConfigError) -> UInt64 {
    let expected = "an integer in 0...\(UInt64.max)"
    guard let value = self[key] else { return defaultValue }
    guard case .number(let literal) = value else {
      throw error(.wrongType(expected: expected, found: describeFound(value)), at: key)
    }
    if let exact = UInt64(literal) { return exact }
    guard let number = Double(literal), number == number.rounded() else {
      throw error(.wrongType(expected: expected, found: literal), at: key)
    }
    guard number >= 0, number < 0x1p53 else { throw invalid(key, expected: expected) }
    return UInt64(number)
  }

  /// The Boolean at `key`, or `defaultValue` when absent.
  func bool(_ key: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
    switch self[key] {
    case nil: return defaultValue
    case .bool(let flag)?: return flag
    case let value?:
      throw error(.wrongType(expected: "true or false", found: describeFound(value)), at: key)
    }
  }

  /// The string at `key`, or `defaultValue` when absent (nil: the key is required).
  func string(_ key: String, default defaultValue: String?, expected: String = "a string")
    throws(ConfigError) -> String
  {
    switch self[key] {
    case nil:
      guard let defaultValue else { throw error(.missingKey(expected: expected), at: key) }
      return defaultValue
    case .string(let text)?: return text
    case let value?:
      throw error(.wrongType(expected: expected, found: describeFound(value)), at: key)
    }
  }

  /// A non-empty array of distinct non-empty strings at `key`, or nil when absent or null.
  func nullableStringList(_ key: String) throws(ConfigError) -> [String]? {
    let expected = "a non-empty array of distinct column names"
    switch self[key] {
    case nil, .null?: return nil
    case .array(let elements)?:
      guard !elements.isEmpty else { throw invalid(key, expected: expected) }
      var names: [String] = []
      for (index, element) in elements.enumerated() {
        let elementPath = ConfigKeyPath.element(keyPath(key), index)
        guard case .string(let name) = element else {
          throw reader.error(
            .wrongType(expected: "a column name (a string)", found: describeFound(element)),
            at: elementPath)
        }
        guard !name.isEmpty, !names.contains(name) else {
          throw reader.error(
            .invalidValue(
              expected: name.isEmpty ? "a non-empty column name" : "a name not listed before",
              found: describeFound(element), suggestion: nil),
            at: elementPath)
        }
        names.append(name)
      }
      return names
    case let value?:
      throw error(.wrongType(expected: expected + " or null", found: describeFound(value)), at: key)
    }
  }

  /// One of an enumeration's raw values, or `defaultValue` when absent (nil: required).
  func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Choice?)
    throws(ConfigError) -> Choice where Choice.RawValue == String
  {
    let expected = "one of " + Self.quotedList(Choice.self)
    let word = try string(key, default: defaultValue?.rawValue, expected: expected)
    guard let value = Choice(rawValue: word) else {
      let words = Choice.allCases.map(\.rawValue)
      throw invalid(key, expected: expected, suggestion: nearestSuggestion(for: word, among: words))
    }
    return value
  }

  static func quotedList<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) -> String
  where Choice.RawValue == String {
    Choice.allCases.map { renderJSONString($0.rawValue) }.joined(separator: ", ")
  }
}
