import Foundation

/// Whether a run reached the minimum of the objective it trained, judged as a statistician
/// would: by its distance from the optimum, not by the loss curve flattening.
///
/// With MSE (and a ridge penalty `loss.l2`) the optimum is exact (`DesignAnalysis`): the
/// verdict is the excess J(θ) − J(θ*) of the training objective, relative to J(θ*). With MAE
/// and Huber it is measured against `RobustReference`'s IRLS solution of the same objective when
/// there is one, else against the run's own no-progress rule. A run counts as converged when
/// the relative excess is at most `training.tolerance`.
public struct ConvergenceVerdict: Codable, Sendable, Equatable {
  public var converged: Bool
  /// J(θ) − J(θ*), in the original units of the objective (the loss's units, plus the penalty).
  public var excessLoss: Double?
  /// (J(θ) − J(θ*)) / J(θ*).
  public var relativeExcess: Double?
  /// J(θ*) in the original units.
  public var optimumLoss: Double?
  /// What the optimum is: `"exact least squares"`, `"exact ridge"`, `"IRLS"`, or `"none"`.
  public var reference: String
  public var tolerance: Double
  /// One line for people: `converged: ...` or `did not converge: ...; try ...`.
  public var message: String

  /// The verdict on a finished trainer.
  /// - Parameters:
  ///   - robustOptimum: for MAE and Huber, the objective's minimum in the trained units (from
  ///     `RobustReference`), if computed.
  ///   - objective: for MAE and Huber, the trained objective at the final parameters in the
  ///     trained units.
  ///   - leastSquares: for MSE without penalty, the training MSE and LAPACK `dgelsd`'s optimum
  ///     in the original units. An SVD of the raw design resolves directions that the Gram
  ///     matrix loses to rounding (a condition number above ~1e8), so the verdict is measured
  ///     against it when there is one.
  static func judge(
    _ trainer: Trainer, robustOptimum: Double? = nil, objective: Double? = nil,
    leastSquares: (trainedMSE: Double, optimumMSE: Double)? = nil
  ) -> ConvergenceVerdict {
    let config = trainer.config
    let tolerance = config.training.tolerance
    let scale = trainer.objectiveScale
    let lossName = config.loss.kind.rawValue.uppercased()
    var verdict = ConvergenceVerdict(
      converged: trainer.state.converged, excessLoss: nil, relativeExcess: nil, optimumLoss: nil,
      reference: "none", tolerance: tolerance, message: "")
    if config.loss.kind == .mse, config.loss.l2 == 0, let leastSquares {
      verdict.reference = "exact least squares"
      let excess = max(leastSquares.trainedMSE - leastSquares.optimumMSE, 0)
      verdict.optimumLoss = leastSquares.optimumMSE
      verdict.excessLoss = excess
      verdict.relativeExcess =
        excess / max(leastSquares.optimumMSE, leastSquares.trainedMSE * 1e-12, .leastNormalMagnitude)
      verdict.converged = verdict.relativeExcess! <= tolerance
    } else if config.loss.kind == .mse, let analysis = trainer.analysis,
      let relative = trainer.relativeExcess()
    {
      verdict.reference = config.loss.l2 > 0 ? "exact ridge" : "exact least squares"
      verdict.optimumLoss = analysis.optimumObjective * scale
      verdict.relativeExcess = relative
      verdict.excessLoss = analysis.excessObjective(
        weights: trainer.model.weight.scalars,
        intercept: trainer.model.bias?.scalars ?? [Double](repeating: 0, count: analysis.targets)
      ) * scale
      verdict.converged = relative <= tolerance
    } else if let robustOptimum, let objective {
      verdict.reference = "IRLS"
      verdict.optimumLoss = robustOptimum * scale
      let excess = max(objective - robustOptimum, 0)
      verdict.excessLoss = excess * scale
      verdict.relativeExcess = excess / max(robustOptimum, .leastNormalMagnitude)
      verdict.converged = verdict.relativeExcess! <= tolerance
    }
    let what = config.loss.l2 > 0 ? "training objective (\(lossName) + l2)" : "training \(lossName)"
    if verdict.converged {
      if let excess = verdict.excessLoss, let relative = verdict.relativeExcess {
        verdict.message = String(
          format: "converged: excess loss %.3g over the optimum %.6g (%.2g relative; tolerance %.2g)",
          excess, verdict.optimumLoss!, relative, tolerance)
      } else {
        verdict.message = String(
          format: "converged: the %@ improved by less than %.2g relative over %d epochs "
            + "(no optimum to compare with)", what, tolerance, trainer.epochsWithoutProgressLimit)
      }
    } else {
      var line: String
      if let relative = verdict.relativeExcess, let optimum = verdict.optimumLoss,
        let excess = verdict.excessLoss
      {
        let trained = optimum + excess
        // An optimum of (nearly) 0 is an exact fit, against which a ratio says nothing.
        line =
          optimum > trained * 1e-12
          ? String(
            format: "did not converge: %@ %.6g is %@ the optimum %.6g (tolerance %.2g relative)",
            what, trained, Self.ratio(1 + relative), optimum, tolerance)
          : String(
            format: "did not converge: %@ %.6g where the optimum is an exact fit (%.3g)", what,
            trained, optimum)
      } else {
        line = "did not converge: the \(what) was still improving when the run ended"
      }
      let hints = suggestions(trainer)
      if !hints.isEmpty { line += "; try " + hints.joined(separator: ", or ") }
      verdict.message = line
    }
    return verdict
  }

  /// `1.0004×`, `81,800×`.
  static func ratio(_ value: Double) -> String {
    if value < 10 { return String(format: "%.5g×", value) }
    let rounded = Int((value).rounded())
    let digits = String(rounded)
    var grouped = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
      grouped.append(character)
    }
    return grouped + "×"
  }

  /// Concrete settings that would move a run that did not converge closer to the optimum.
  static func suggestions(_ trainer: Trainer) -> [String] {
    let config = trainer.config
    var hints: [String] = []
    if config.optimizer.weightDecay > 0 {
      hints.append(
        "optimizer.weightDecay 0 (decay pulls the weights away from the optimum of the loss; "
          + "use loss.l2 for a penalty the optimum includes)")
    }
    if !config.data.standardize { hints.append("data.standardize true") }
    if !config.optimizer.autoLR {
      hints.append(
        "optimizer.lr \"auto\" (now \(config.optimizer.lr)), or no optimizer section at all for "
          + "the default (Nesterov momentum at the design's rate)")
    }
    if config.training.batchSize != TrainingOptions.allRows {
      hints.append(
        "training.batchSize \"all\" (mini-batches of \(config.training.batchSize) rows leave "
          + "gradient noise at the optimum)"
          + (config.schedule.kind == .constant ? ", or a decaying schedule such as \"cosine\"" : ""))
    }
    if config.loss.kind != .mse && config.schedule.kind == .constant {
      hints.append(
        "schedule \"cosine\" with more epochs (gradient steps on a loss with kinks, as "
          + "\(config.loss.kind.rawValue.uppercased())'s, need a decaying rate to settle)")
    }
    if trainer.state.converged && config.loss.kind != .mse {
      hints.append(
        "a smaller training.tolerance (the run stopped after "
          + "\(trainer.epochsWithoutProgressLimit) epochs without a relative improvement of "
          + "\(config.training.tolerance))")
    }
    if trainer.state.history.count >= config.training.epochs {
      hints.append("more epochs (training.epochs is \(config.training.epochs))")
    }
    if let analysis = trainer.analysis, analysis.conditionNumber > 1e8 {
      hints.append("dropping one of the nearly collinear terms")
    }
    return hints
  }
}
