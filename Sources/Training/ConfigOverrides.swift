// `--set key.path=value`: changes to a config applied to its JSON before it is checked, so an
// override is held to the same rules as the file and its errors name the argument.

/// One `key.path=value` argument.
struct ConfigOverride {
  let argument: String
  let components: [String]
  let value: JSONValue

  /// Splits `argument` at its first `=`. The value is read as JSON when it is valid JSON
  /// (`0.1`, `true`, `[0.9, 0.99]`, `{"kind": "sgd"}`, `null`, `"text"`) and as a string
  /// otherwise (`data/train.csv`, `adam`).
  init(parsing argument: String) throws(ConfigError) {
    guard let equals = argument.firstIndex(of: "=") else {
      throw Self.error(argument, "expected `key.path=value`")
    }
    let keyPath = argument[..<equals]
    let text = String(argument[argument.index(after: equals)...])
    // `betas[1]` is the same as `betas.1`, the form errors print.
    let components = keyPath.split(separator: ".", omittingEmptySubsequences: false).flatMap {
      component -> [String] in
      guard component.hasSuffix("]"), let open = component.firstIndex(of: "[") else {
        return [String(component)]
      }
      let index = component[
        component.index(after: open)..<component.index(before: component.endIndex)]
      return [String(component[..<open]), String(index)]
    }
    guard !components.contains(where: \.isEmpty) else {
      throw Self.error(argument, "expected `key.path=value` with a key path like `optimizer.lr`")
    }
    var parser = JSONParser(text, file: nil)
    self.argument = argument
    self.components = components
    self.value = (try? parser.parseDocument()) ?? .string(text)
  }

  static func error(_ argument: String, _ reason: String) -> ConfigError {
    ConfigError(problem: .invalidOverride(reason: reason), keyPath: "", override: argument)
  }

  /// Sets the value in `root`, creating objects along the path where keys are missing. A kind
  /// written as a string (`"loss": "mse"`) becomes `{"kind": "mse"}` when a key below it is set.
  /// Numbers index into arrays (`optimizer.betas.1=0.99` or `optimizer.betas[1]=0.99`).
  ///
  /// Positions recorded for replaced values are dropped and the new values are attributed to
  /// this argument in `overrides`, so later errors about them name it.
  func apply(
    to root: inout JSONValue, positions: inout JSONPositions, overrides: inout [String: String]
  ) throws(ConfigError) {
    let replaced = try set(at: components[...], in: &root, path: "")
    positions.remove(within: replaced)
    overrides = overrides.filter { !ConfigKeyPath.isWithin($0.key, replaced) }
    overrides[replaced] = argument
  }

  /// Returns the path of the outermost value that is new or replaced.
  private func set(at components: ArraySlice<String>, in node: inout JSONValue, path: String)
    throws(ConfigError) -> String
  {
    guard let key = components.first else {
      node = value
      return path
    }
    let rest = components.dropFirst()
    switch node {
    case .object(var members):
      let childPath = ConfigKeyPath.member(path, key)
      if let index = members.firstIndex(where: { $0.key == key }) {
        var child = members[index].value
        let replaced = try set(at: rest, in: &child, path: childPath)
        members[index].value = child
        node = .object(members)
        return replaced
      }
      if let next = rest.first, Int(next) != nil {
        // An index into an array the config does not hold: its other elements are unknown.
        throw Self.error(
          argument,
          "`\(childPath)` is not in the config, so `[\(next)]` has nothing to index; set the "
            + "whole array, e.g. `\(childPath)=[...]`")
      }
      var child = JSONValue.object([])
      _ = try set(at: rest, in: &child, path: childPath)
      members.append(JSONMember(key: key, value: child))
      node = .object(members)
      return childPath
    case .array(var elements):
      guard let index = Int(key), elements.indices.contains(index) else {
        throw Self.error(
          argument,
          "`\(path)` is an array of \(elements.count); `\(key)` is not an index in "
            + "0..<\(elements.count)")
      }
      let replaced = try set(
        at: rest, in: &elements[index], path: ConfigKeyPath.element(path, index))
      node = .array(elements)
      return replaced
    case .string(let kind) where !path.isEmpty:
      node = .object([JSONMember(key: "kind", value: .string(kind))])
      return try set(at: components, in: &node, path: path)
    default:
      let subject = path.isEmpty ? "the config" : "`\(path)`"
      throw Self.error(
        argument, "cannot set a key inside \(subject): it is \(describeFound(node)), not an object")
    }
  }
}
