/// What can go wrong when differentiating. Each message follows PyTorch's wording where PyTorch
/// has one, so users moving over recognise it.
public enum AutogradError: Error, Equatable, CustomStringConvertible {
  /// `backward()` without a seed on a tensor of more than one element.
  case nonScalarOutput(shape: [Int])
  /// The seed given to `backward(gradient:)` does not have the output's shape.
  case seedShapeMismatch(output: [Int], seed: [Int])
  /// `backward()` on a tensor that does not require grad.
  case doesNotRequireGrad
  /// A second backward through a graph whose saved values were released.
  case graphReleased(operation: String)
  /// A functional transform was given a function whose output has the wrong shape.
  case invalidFunctionOutput(String)

  public var description: String {
    switch self {
    case .nonScalarOutput(let shape):
      return "grad can be implicitly created only for scalar outputs; this output has shape "
        + "\(shape): pass backward(gradient:) a seed of that shape"
    case .seedShapeMismatch(let output, let seed):
      return "backward(gradient:) got a seed of shape \(seed) for an output of shape \(output)"
    case .doesNotRequireGrad:
      return "element 0 of tensors does not require grad and does not have a grad function"
    case .graphReleased(let operation):
      return "Trying to backward through the graph a second time (at \(operation)): its saved "
        + "values were freed by the first backward. Call backward(retainGraph: true) the first time "
        + "if you need to backward through the graph again"
    case .invalidFunctionOutput(let message):
      return message
    }
  }
}
