/// What can go wrong when building an optimizer or schedule from a configuration, or when loading
/// a saved state. Programmer errors (a parameter in two groups, a non-leaf parameter) are
/// preconditions instead.
public enum OptimError: Error, Equatable, CustomStringConvertible {
  /// A hyper-parameter outside its valid range, named as in the initializer
  /// (`lr`, `momentum`, `betas.0`, `eps`, `weight_decay`, ...).
  case invalidHyperparameter(name: String, value: Double, expected: String)
  /// `nesterov = true` without momentum, or with dampening (PyTorch requires both).
  case nesterovRequiresMomentum(momentum: Double, dampening: Double)
  /// A saved state that does not fit the object loading it: `key` names the entry that differs.
  case stateMismatch(key: String, reason: String)

  public var description: String {
    switch self {
    case .invalidHyperparameter(let name, let value, let expected):
      let label = Self.labels[name].map { "\($0) " } ?? ""
      return "invalid \(label)\(name) = \(value): expected \(expected)"
    case .nesterovRequiresMomentum(let momentum, let dampening):
      return "invalid nesterov = true: Nesterov momentum requires momentum > 0 and dampening = 0, "
        + "got momentum = \(momentum), dampening = \(dampening)"
    case .stateMismatch(let key, let reason):
      return "cannot load saved state: \(key): \(reason)"
    }
  }

  /// Long names for the hyper-parameters whose short names are terse.
  private static let labels = [
    "lr": "learning rate", "eps": "epsilon", "betas.0": "beta1", "betas.1": "beta2",
    "weight_decay": "weight decay",
  ]
}

/// Throws `OptimError.invalidHyperparameter` unless `isValid`.
func require(
  _ isValid: Bool, _ name: String, _ value: Double, expected: @autoclosure () -> String
) throws {
  guard isValid else {
    throw OptimError.invalidHyperparameter(name: name, value: value, expected: expected())
  }
}
