/// Why a config was rejected, and where: the file, the line and column when known, the key path
/// (`optimizer.lr`, `optimizer.betas[1]`), or the `--set` argument the value came from.
///
/// Its `description` is the message `fit` prints, for example
///
///     configs/demo.json:14:11: optimizer.lr: expected a number > 0, found -0.1
///     configs/demo.json:9:3: unknown key `optimiser`; did you mean `optimizer`?
///     configs/demo.json:7:21: invalid JSON: expected `,` or `}` after the value of "lr", found `"`
///     --set training.epochs=0: training.epochs: expected an integer ≥ 1, found 0
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
  public enum Problem: Equatable, Sendable {
    /// The file could not be read.
    case unreadable(reason: String)
    /// The text is not JSON.
    case syntax(message: String)
    /// A key appears twice in one object.
    case duplicateKey
    /// A key that is not allowed in its object. `suggestion` is the full key path of the nearest
    /// allowed key, when one is close; `allowed` lists the keys of that object.
    case unknownKey(allowed: [String], suggestion: String?, note: String?)
    /// A key without a default is absent.
    case missingKey(expected: String)
    /// A value of the wrong JSON type (a string where a number belongs).
    case wrongType(expected: String, found: String)
    /// A value of the right type that is out of range, not one of the allowed words, or in
    /// conflict with another value. `suggestion` is the nearest allowed word, when one is close.
    case invalidValue(expected: String, found: String, suggestion: String?)
    /// A `--set` argument that is not `key.path=value`, or that cannot be applied.
    case invalidOverride(reason: String)
  }

  public var problem: Problem
  /// The dotted path of the offending key; empty for the whole document.
  public var keyPath: String
  /// The config file as it was named; nil when the text came from elsewhere.
  public var file: String?
  /// The 1-based line and column (in Unicode scalars) of the offending text, when known.
  public var line: Int?
  public var column: Int?
  /// The `key.path=value` argument of `--set` that the offending value came from.
  public var override: String?

  public init(
    problem: Problem, keyPath: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
    override: String? = nil
  ) {
    self.problem = problem
    self.keyPath = keyPath
    self.file = file
    self.line = line
    self.column = column
    self.override = override
  }

  /// What the key should hold, for type, range and missing-key errors.
  public var expected: String? {
    switch problem {
    case .missingKey(let expected), .wrongType(let expected, _), .invalidValue(let expected, _, _):
      expected
    default: nil
    }
  }

  /// What was found instead, as written (strings quoted, containers named).
  public var found: String? {
    switch problem {
    case .wrongType(_, let found), .invalidValue(_, let found, _): found
    default: nil
    }
  }

  /// The nearest valid key path or word, when the offending one looks like a misspelling.
  public var suggestion: String? {
    switch problem {
    case .unknownKey(_, let suggestion, _), .invalidValue(_, _, let suggestion): suggestion
    default: nil
    }
  }

  public var description: String {
    var location = ""
    if let override {
      location = "--set \(override): "
    } else if let file {
      location = file
      if let line, let column { location += ":\(line):\(column)" }
      location += ": "
    } else if let line, let column {
      location = "line \(line), column \(column): "
    }
    let subject = keyPath.isEmpty ? "the config" : keyPath
    switch problem {
    case .unreadable(let reason):
      return location + "cannot read the config: \(reason)"
    case .syntax(let message):
      return location + "invalid JSON: \(message)"
    case .duplicateKey:
      return location + "duplicate key `\(keyPath)`"
    case .unknownKey(let allowed, let suggestion, let note):
      var text = location + "unknown key `\(keyPath)`"
      if let note { text += " (\(note))" }
      if let suggestion { return text + "; did you mean `\(suggestion)`?" }
      return text + "; expected one of: " + allowed.joined(separator: ", ")
    case .missingKey(let expected):
      return location + "missing key `\(keyPath)`: expected \(expected)"
    case .wrongType(let expected, let found):
      return location + "\(subject): expected \(expected), found \(found)"
    case .invalidValue(let expected, let found, let suggestion):
      var text = location + "\(subject): expected \(expected), found \(found)"
      if let suggestion { text += "; did you mean \(renderJSONString(suggestion))?" }
      return text
    case .invalidOverride(let reason):
      return location + reason
    }
  }
}

/// The candidate nearest to `word` when it is close enough to be a misspelling of it: equal but
/// for case, `_` and `-` (`batch_size` → `batchSize`), or within an optimal-string-alignment
/// (Damerau–Levenshtein) distance of 1 for words of up to 4 characters and 2 for longer ones.
/// Ties go to the earlier candidate.
func nearestSuggestion(for word: String, among candidates: [String]) -> String? {
  func normalized(_ s: String) -> String {
    s.lowercased().filter { $0 != "_" && $0 != "-" }
  }
  let key = normalized(word)
  if let match = candidates.first(where: { normalized($0) == key }) { return match }
  let limit = word.count <= 4 ? 1 : 2
  var best: (candidate: String, distance: Int)?
  for candidate in candidates {
    let distance = editDistance(Array(word), Array(candidate))
    if distance <= limit && distance < (best?.distance ?? .max) { best = (candidate, distance) }
  }
  return best?.candidate
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters each cost 1.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous2 = [Int](repeating: 0, count: b.count + 1)
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
        current[j] = min(current[j], previous2[j - 2] + 1)
      }
    }
    (previous2, previous, current) = (previous, current, previous2)
  }
  return previous[b.count]
}
