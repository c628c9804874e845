import Foundation
import Models

/// Reading `model.json` as strictly as a config: the same parser (`JSONParser`: UTF-8 only,
/// duplicate keys refused, every value's line and column known) and the same typed reads, so
/// that an unknown key, a wrong type, a wrong length or an absurd coefficient is refused with the
/// file, the line and column, and the key path (`weights[3]`).
extension FittedModel {
  /// The largest magnitude accepted for a coefficient. Beyond it a coefficient is within a
  /// factor 1.8e8 of overflowing: a term larger than that makes its prediction infinite, and
  /// 1e308 (the issue 18 file) overflows as soon as a term exceeds 1.8. No data at any scale fit
  /// trains on gives such coefficients; predictions are checked for overflow besides
  /// (`predictions(rows:modelFile:dataFile:)`), whatever the coefficients.
  public static let largestCoefficient = 1e300

  /// The keys of `model.json`, in the order a message lists them, and what each holds.
  static let keyContents: [(key: String, holds: String)] = [
    ("format", "\"fit-model\""), ("version", "1"), ("name", "a string (the run's name)"),
    ("kind", "\"linear\" or \"polynomial\""), ("degree", "an integer ≥ 1"),
    ("interactionOnly", "true or false"),
    ("inputs", "a non-empty array of distinct column names"),
    ("terms", "a non-empty array of the model's term names"),
    ("targets", "a non-empty array of distinct column names"),
    ("weights", "an array of numbers"), ("intercept", "an array of numbers"),
  ]
  static var keys: [String] { keyContents.map(\.key) }

  /// Reads and checks the `model.json` at `url`.
  /// - Throws: `TrainingError.missingInput` when it cannot be read, `.badData` naming the file,
  ///   line, column and key path of the first problem.
  public static func load(from url: URL) throws -> FittedModel {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw TrainingError.missingInput("model file \(url.path) cannot be read")
    }
    do {
      return try parse(data, file: url.path)
    } catch let error as ConfigError {
      throw TrainingError.badData("\(error)")
    }
  }

  /// The model in `data`, the text of a `model.json` named `file` in messages.
  /// - Throws: `ConfigError`, or `TrainingError.badData` for JSON that is not an object.
  static func parse(_ data: Data, file: String) throws -> FittedModel {
    var parser = JSONParser(try decodeJSONText(data, file: file), file: file)
    let root = try parser.parseDocument()
    let reader = ConfigReader(
      file: file, positions: parser.positions, overrides: [:], baseDirectory: "/",
      workingDirectory: "/")
    guard case .object(let members) = root else {
      throw TrainingError.badData(
        "\(file): not a model file: expected a JSON object with the keys "
          + "\(keys.joined(separator: ", ")), found \(describeFound(root))")
    }
    let object = ConfigObject(reader: reader, path: "", members: members)
    try object.checkKeys(keys)
    for (key, holds) in keyContents where !object.contains(key) {
      throw object.error(.missingKey(expected: holds), at: key)
    }
    let format = try object.string("format", default: nil)
    guard format == "fit-model" else { throw object.invalid("format", expected: "\"fit-model\"") }
    _ = try object.int(
      "version", default: nil,
      IntegerRule(expected: "1 (the model version this fit reads)") {
        $0 == 1
      })
    let kind = try object.string("kind", default: nil)
    guard kind == "linear" || kind == "polynomial" else {
      throw object.invalid(
        "kind", expected: "\"linear\" or \"polynomial\"",
        suggestion: nearestSuggestion(for: kind, among: ["linear", "polynomial"]))
    }
    let degree = try object.int(
      "degree", default: nil,
      kind == "linear" ? IntegerRule(expected: "1 (a linear model)") { $0 == 1 } : .atLeast(1))
    let interactionOnly = try object.bool("interactionOnly", default: false)
    let inputs = try object.names("inputs")
    let terms = try object.names("terms")
    let targets = try object.names("targets")
    try object.checkTerms(
      terms, kind: kind, inputs: inputs, degree: degree, interactionOnly: interactionOnly)
    return FittedModel(
      name: try object.string("name", default: nil), kind: kind, degree: degree,
      interactionOnly: interactionOnly, inputs: inputs, terms: terms, targets: targets,
      weights: try object.coefficients(
        "weights", count: terms.count * targets.count,
        counted: "\(terms.count) terms × \(targets.count) targets, row-major"),
      intercept: try object.coefficients(
        "intercept", count: targets.count, counted: "one per target"))
  }

  /// `predict(rows:)`, refusing predictions that overflow (coefficients too large for these
  /// inputs), which would otherwise be written as `inf` or give infinite metrics.
  /// - Throws: `TrainingError.badData` naming the model, the row (1-based) and the target.
  public func predictions(rows: [Double], modelFile: String, dataFile: String) throws -> [Double]
  {
    let values = predict(rows: rows)
    if let index = values.firstIndex(where: { !$0.isFinite }) {
      let row = index / targets.count + 1
      throw TrainingError.badData(
        "\(modelFile): the prediction of \(targets[index % targets.count]) for row \(row) of "
          + "\(dataFile) is \(values[index]): the model's coefficients are too large for these "
          + "inputs")
    }
    return values
  }
}

extension ConfigObject {
  /// A required non-empty array of distinct non-empty strings.
  fileprivate func names(_ key: String) throws(ConfigError) -> [String] {
    let expected = "a non-empty array of distinct column names"
    guard case .array(let elements)? = self[key], !elements.isEmpty else {
      throw invalid(key, expected: expected)
    }
    var names: [String] = []
    for (index, element) in elements.enumerated() {
      guard case .string(let name) = element, !name.isEmpty, !names.contains(name) else {
        throw reader.error(
          .invalidValue(
            expected: "a non-empty column name not listed before", found: describeFound(element),
            suggestion: nil),
          at: ConfigKeyPath.element(keyPath(key), index))
      }
      names.append(name)
    }
    return names
  }

  /// `count` finite numbers of magnitude at most `FittedModel.largestCoefficient`.
  fileprivate func coefficients(_ key: String, count: Int, counted: String) throws(ConfigError)
    -> [Double]
  {
    guard case .array(let elements)? = self[key], elements.count == count else {
      let found: String
      if case .array(let elements)? = self[key] {
        found = "an array of \(elements.count)"
      } else {
        found = self[key].map(describeFound) ?? "nothing"
      }
      throw error(
        .invalidValue(
          expected: "an array of \(count) numbers (\(counted))", found: found, suggestion: nil),
        at: key)
    }
    let bound = FittedModel.largestCoefficient  // 1e300, as the message says
    var values: [Double] = []
    values.reserveCapacity(count)
    for (index, element) in elements.enumerated() {
      let path = ConfigKeyPath.element(keyPath(key), index)
      guard case .number(let literal) = element, let value = Double(literal) else {
        throw reader.error(
          .wrongType(expected: "a number", found: describeFound(element)), at: path)
      }
      guard value.isFinite, abs(value) <= bound else {
        throw reader.error(
          .invalidValue(
            expected: "a finite number of magnitude at most 1e300", found: literal,
            suggestion: nil),
          at: path)
      }
      values.append(value)
    }
    return values
  }

  /// Refuses `terms` unless they are the inputs (linear) or their polynomial terms in
  /// scikit-learn's order. The count is compared first, by arithmetic that cannot overflow and
  /// stops past 2^20 terms, so that a damaged degree (10^18) never makes the names of
  /// astronomically many terms.
  fileprivate func checkTerms(
    _ terms: [String], kind: String, inputs: [String], degree: Int, interactionOnly: Bool
  ) throws(ConfigError) {
    let described =
      kind == "linear"
      ? "the inputs, in order"
      : "the degree-\(degree)\(interactionOnly ? " interaction" : "") terms of the inputs"
    let limit = max(terms.count, 1 << 20)
    let count = PolynomialTermCount.of(
      inputs: inputs.count, degree: kind == "linear" ? 1 : degree,
      interactionOnly: kind == "linear" || interactionOnly, atMost: limit)
    guard count == terms.count else {
      throw error(
        .invalidValue(
          expected: "\(count.map { "\($0)" } ?? "more than \(limit)") terms (\(described))",
          found: "\(terms.count)", suggestion: nil),
        at: "terms")
    }
    let expected =
      kind == "linear"
      ? inputs
      : PolynomialFeatures(degree: degree, interactionOnly: interactionOnly)
        .featureNames(inputNames: inputs)
    guard terms != expected else { return }
    guard expected.count == terms.count,
      let index = terms.indices.first(where: { terms[$0] != expected[$0] })
    else { throw invalid("terms", expected: described) }
    throw reader.error(
      .invalidValue(
        expected: "\(renderJSONString(expected[index])), as \(described)",
        found: renderJSONString(terms[index]), suggestion: nil),
      at: ConfigKeyPath.element(keyPath("terms"), index))
  }
}

/// The number of polynomial terms (without the constant) of n inputs up to degree d, as
/// scikit-learn's `PolynomialFeatures` makes them: C(n + d, d) − 1, or Σₖ₌₁..d C(n, k) with
/// interaction terms only; nil when it exceeds `limit`. Each degree adds at least one term, so
/// this takes at most `limit` + 1 steps whatever the degree.
enum PolynomialTermCount {
  static func of(inputs n: Int, degree d: Int, interactionOnly: Bool, atMost limit: Int) -> Int? {
    guard n >= 1, d >= 1 else { return 0 }
    var total = 0
    // The terms of degree exactly k: C(n + k − 1, k), or C(n, k) with interaction terms only,
    // from the count for k − 1 by C(m, k) = C(m − 1, k − 1) · m / k (exact: the product is a
    // binomial times k).
    var ofDegree = 1
    for k in 1...d {
      let top = interactionOnly ? n - k + 1 : n + k - 1
      if top <= 0 { break }
      let (product, overflow) = ofDegree.multipliedReportingOverflow(by: top)
      guard !overflow else { return nil }
      ofDegree = product / k
      let (sum, sumOverflow) = total.addingReportingOverflow(ofDegree)
      guard !sumOverflow, sum <= limit else { return nil }
      total = sum
    }
    return total
  }
}
