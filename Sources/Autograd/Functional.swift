// Function transforms in the spirit of `torch.autograd.functional`: derivatives of a function at
// a point, computed without touching any tensor's `grad`.

/// A leaf copy of `x` that requires grad, or, when `x` already takes part in a graph that an
/// outer transform differentiates, a recorded identity of it, so the outer graph stays connected.
private func differentiableInput(_ x: Tensor) -> Tensor {
  if x.requiresGrad {
    return withGrad {
      Tensor.result(shape: x.shape, scalars: x.scalars, name: "IdentityBackward", input: x) {
        g, _ in g
      }
    }
  }
  return Tensor(shape: x.shape, scalars: x.scalars, requiresGrad: true)
}

/// ∇f(x) of a scalar function (`torch.autograd.grad(f(x), x)`), without touching any `grad`.
///
/// ```swift
/// let g = try gradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2, 3]))   // [2, 4, 6]
/// ```
/// - Parameter createGraph: record the computation of the gradient, so that it can be
///   differentiated again (this is how `hessian` works).
public func gradient(
  of f: (Tensor) throws -> Tensor, at x: Tensor, createGraph: Bool = false
) throws -> Tensor {
  try withGrad {
    let input = differentiableInput(x)
    let output = try f(input)
    guard output.count == 1 else { throw AutogradError.nonScalarOutput(shape: output.shape) }
    guard output.requiresGrad else { return Tensor.zeros(x.shape) }
    return try output.gradients(withRespectTo: [input], createGraph: createGraph)[0]
  }
}

/// The value f(x) and the vector–Jacobian product vᵀ·∂f/∂x (`torch.autograd.functional.vjp`).
/// `v` has the output's shape; the product has the input's.
public func vjp(
  of f: (Tensor) throws -> Tensor, at x: Tensor, v: Tensor
) throws -> (value: Tensor, vjp: Tensor) {
  try withGrad {
    let input = differentiableInput(x)
    let output = try f(input)
    guard output.requiresGrad else { return (output.detached(), Tensor.zeros(x.shape)) }
    let product = try output.gradients(withRespectTo: [input], seed: v)[0]
    return (output.detached(), product)
  }
}

/// The value f(x) and the Jacobian–vector product ∂f/∂x·v (`torch.autograd.functional.jvp`).
/// `v` has the input's shape; the product has the output's.
///
/// Computed exactly by the double-vjp identity: u ↦ Jᵀu is linear, so J·v = ∂(⟨Jᵀu, v⟩)/∂u.
public func jvp(
  of f: (Tensor) throws -> Tensor, at x: Tensor, v: Tensor
) throws -> (value: Tensor, jvp: Tensor) {
  precondition(v.shape == x.shape, "jvp: v has shape \(v.shape), the input has \(x.shape)")
  return try withGrad {
    let input = differentiableInput(x)
    let output = try f(input)
    guard output.requiresGrad else { return (output.detached(), Tensor.zeros(output.shape)) }
    let u = Tensor.zeros(output.shape, requiresGrad: true)
    let transposedProduct = try output.gradients(
      withRespectTo: [input], seed: u, retainGraph: true, createGraph: true)[0]
    let inner = (transposedProduct * v).sum()
    guard inner.requiresGrad else { return (output.detached(), Tensor.zeros(output.shape)) }
    return (output.detached(), try inner.gradients(withRespectTo: [u])[0])
  }
}

/// The Jacobian ∂f/∂x of a vector function, of shape `output.shape + input.shape`
/// (`torch.autograd.functional.jacobian`): one reverse pass per output element, seeded with that
/// element's unit vector.
public func jacobian(of f: (Tensor) throws -> Tensor, at x: Tensor) throws -> Tensor {
  try withGrad {
    let input = differentiableInput(x)
    let output = try f(input)
    var values = [Double](repeating: 0, count: output.count * x.count)
    if output.requiresGrad {
      for i in 0..<output.count {
        var unit = [Double](repeating: 0, count: output.count)
        unit[i] = 1
        let row = try output.gradients(
          withRespectTo: [input], seed: Tensor(shape: output.shape, scalars: unit),
          retainGraph: true)[0]
        values.replaceSubrange((i * x.count)..<((i + 1) * x.count), with: row.scalars)
      }
    }
    return Tensor(shape: output.shape + x.shape, scalars: values)
  }
}

/// The Hessian ∂²f/∂x² of a scalar function, of shape `x.shape + x.shape`
/// (`torch.autograd.functional.hessian`): the Jacobian of the gradient, differentiating the
/// recorded backward pass, so it is exact rather than a finite difference.
public func hessian(of f: (Tensor) throws -> Tensor, at x: Tensor) throws -> Tensor {
  try jacobian(of: { try gradient(of: f, at: $0, createGraph: true) }, at: x)
}
