import Autograd
import Models

/// `fit gradcheck`: the model's analytic gradients on a slice of the real (prepared) training
/// data against central finite differences, parameter by parameter, at a random point (seeded),
/// so that a zero-initialised model does not hide errors. It checks the objective the trainer
/// differentiates (`Trainer.objective(on:)`: for MSE the fused node, whose gradient is computed in
/// its forward pass, so the check covers that kernel too):
///
///     ∂L/∂θⱼ ≈ (L(θ + h·eⱼ) − L(θ − h·eⱼ)) / 2h,   h = 1e-6
///
/// and reports max |analytic − numeric| / max(1, |analytic|, |numeric|) per parameter.
public enum GradientCheck {
  public struct Report: Sendable {
    public var lines: [String]
    public var worstRelativeError: Double
  }

  public static func run(config: TrainingConfig, rows: Int, step h: Double = 1e-6) throws -> Report
  {
    let data = try PreparedData.load(config)
    let trainer = try Trainer(config: config, data: data)
    let count = min(rows, data.training.rowCount)
    let block = try data.training.rows(0..<count)
    let model = trainer.model
    for (index, parameter) in model.namedParameters.enumerated() {
      parameter.tensor.scalars =
        Tensor.randomNormal(
          parameter.tensor.shape, standardDeviation: 0.5,
          seed: config.training.seed &+ UInt64(index)
        ).scalars
    }
    let results = try gradCheck(parameters: model.parameters, step: h) {
      trainer.objective(on: block)
    }
    var lines: [String] = []
    var worst = 0.0
    for (parameter, result) in zip(model.namedParameters, results) {
      worst = max(worst, result.maxRelativeError)
      lines.append(
        "\(parameter.name) \(parameter.tensor.shape): \(result.checked) derivatives, max abs error "
          + "\(result.maxAbsoluteError), max rel error \(result.maxRelativeError)")
    }
    return Report(lines: lines, worstRelativeError: worst)
  }
}
