import Autograd

/// A model: a function of a batch with trainable parameters (PyTorch: `torch.nn.Module`).
///
/// A module lists its parameters itself, in a fixed order that its type documents. Nothing is
/// discovered by reflection and nothing comes from a dictionary's order, so an optimizer's state
/// and a checkpoint, both saved by parameter position, line up with the parameters again when a
/// run resumes.
///
/// ```swift
/// let model = Linear(inputFeatures: 2, outputFeatures: 1)
/// let prediction = model(x)            // x: [rows, 2] → [rows, 1]
/// for (name, tensor) in model.namedParameters { print(name, tensor.shape) }
/// ```
public protocol Module {
  /// The trainable tensors with their names, in the order the type documents
  /// (`named_parameters()`).
  var namedParameters: [(name: String, tensor: Tensor)] { get }

  /// The trainable tensors in the order of `namedParameters` (`parameters()`).
  var parameters: [Tensor] { get }

  /// The model applied to a batch `x` of shape `[rows, inputFeatures]`, giving
  /// `[rows, outputs]`.
  func callAsFunction(_ x: Tensor) -> Tensor
}

/// Parameter values that do not fit a module: a name it does not have or lacks, or a count of
/// values that does not match the parameter's shape.
public struct ParameterLoadError: Error, Equatable, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension Module {
  public var parameters: [Tensor] { namedParameters.map(\.tensor) }

  /// The parameters that `l2Penalty(_:lambda:)` applies to: every parameter but biases (named
  /// `bias` or ending in `.bias`), as in ridge regression, whose intercept is not penalized.
  public var penalizedParameters: [Tensor] {
    namedParameters.filter { !isBiasName($0.name) }.map(\.tensor)
  }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Sets every parameter's gradient to zeros (`zero_grad()`).
  public func zeroGrad() {
    for parameter in parameters { parameter.zeroGrad() }
  }

  /// Overwrites the parameters' values in place, by name, keeping the tensors themselves, so an
  /// optimizer holding them sees the new values (`load_state_dict`). Every parameter must be
  /// given, with exactly as many values as it has elements, and no other name may appear.
  ///
  /// - Throws: `ParameterLoadError` naming the first parameter that does not fit; nothing is
  ///   changed then.
  public func load(_ values: [(name: String, scalars: [Double])]) throws(ParameterLoadError) {
    let named = namedParameters
    for (name, scalars) in values {
      guard let tensor = named.first(where: { $0.name == name })?.tensor else {
        let known = named.map(\.name).joined(separator: ", ")
        throw ParameterLoadError("unknown parameter `\(name)`; this model has: \(known)")
      }
      guard scalars.count == tensor.count else {
        throw ParameterLoadError(
          "parameter `\(name)` of shape \(tensor.shape) needs \(tensor.count) values, got "
            + "\(scalars.count)")
      }
    }
    for (name, _) in named where !values.contains(where: { $0.name == name }) {
      throw ParameterLoadError("no values for parameter `\(name)`")
    }
    for (name, scalars) in values {
      named.first(where: { $0.name == name })!.tensor.scalars = scalars
    }
  }
}

/// Whether a parameter name denotes a bias: `bias` or `<module>.bias`.
func isBiasName(_ name: String) -> Bool { name == "bias" || name.hasSuffix(".bias") }
