import Foundation
import Optim

extension Checkpoint {
  /// What `fit inspect` prints: a human-readable account of everything the checkpoint holds.
  /// Arrays longer than `maxValues` are shown by their first values and their length.
  public func inspectionLines(file: String, maxValues: Int = 8) -> [String] {
    func show(_ values: [Double]) -> String {
      let shown = values.prefix(maxValues).map { "\($0)" }.joined(separator: ", ")
      return values.count > maxValues ? "[\(shown), … (\(values.count) values)]" : "[\(shown)]"
    }
    func lines(_ title: String, _ state: StateDict) -> [String] {
      ["\(title) (\(state.kind)):"]
        + state.scalars.keys.sorted().map { "  \($0) = \(state.scalars[$0]!)" }
        + state.arrays.keys.sorted().map { "  \($0) = \(show(state.arrays[$0]!))" }
    }
    let name = (try? config())?.name ?? "?"
    var out = [
      "checkpoint \(file)",
      "format \(Self.format) version \(version); content digest \(contentDigest()) verified",
      "run \(name): step \(step), epoch \(loader.epoch + 1) at batch \(loader.batchIndex) "
        + "(\(training.history.count) epochs finished), loader rng state \(loader.rngState)",
      "inputs [\(inputNames.joined(separator: ", "))], terms [\(termNames.joined(separator: ", "))], "
        + "targets [\(targetNames.joined(separator: ", "))]",
      "model parameters:",
    ]
    out += parameters.map { "  \($0.name) \($0.shape) = \(show($0.values))" }
    out += lines("optimizer", optimizer)
    out += lines("scheduler", scheduler)
    if let plateau { out += lines("plateau", plateau) }
    let t = training
    out.append(
      "training: best loss \(t.bestLoss) at epoch \(t.bestEpoch), "
        + "\(t.epochsWithoutImprovement) epochs without improvement, stopped early \(t.stoppedEarly), "
        + "current epoch loss sum \(t.epochLossSum) over \(t.epochRows) rows")
    if let standardization {
      out.append(
        "standardization: mean \(show(standardization.mean)) std \(show(standardization.std))")
    } else {
      out.append("standardization: none")
    }
    out.append("metrics (\(t.history.count) rows):")
    out.append("  " + EpochRecord.header)
    out += t.history.suffix(5).map { "  " + $0.csvLine }
    if t.history.count > 5 { out.append("  (first \(t.history.count - 5) rows not shown)") }
    out.append("config:")
    out += configJSON.split(separator: "\n").map { "  " + $0 }
    return out
  }
}
