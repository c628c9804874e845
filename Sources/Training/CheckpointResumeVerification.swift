import Foundation
import Optim

/// `fit --verify-resume K`: proves on the user's own config that an interrupted and resumed run
/// ends exactly where an uninterrupted one does. It trains straight to the end in one temporary
/// run folder, and in another stops after step K (writing a checkpoint, as SIGINT would), then
/// resumes from that folder's latest checkpoint to the end. The final parameters, optimizer,
/// scheduler and loader state and the training state are compared bit for bit (metrics too,
/// except `rows_per_second`, which measures the machine).
public enum ResumeVerification {
  public struct Report: Sendable {
    public var identical: Bool
    public var lines: [String]
  }

  public static func run(config: TrainingConfig, stopAtStep: Int) throws -> Report {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fit-verify-resume-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: base) }
    let quiet = Reporter(style: .quiet)
    func configured(_ folder: String) -> TrainingConfig {
      var copy = config
      copy.output.dir = base.appendingPathComponent(folder).path
      return copy
    }

    let straight = TrainingRun(config: configured("straight"), reporter: quiet)
    _ = try straight.run()
    let totalSteps = straight.trainer!.state.step
    guard stopAtStep < totalSteps else {
      throw CheckpointError.badRequest(
        "--verify-resume \(stopAtStep): the run takes only \(totalSteps) optimizer steps; "
          + "choose K in 1...\(max(totalSteps - 1, 1))")
    }

    let interrupted = TrainingRun(config: configured("resumed"), reporter: quiet)
    interrupted.stopAtStep = stopAtStep
    do {
      _ = try interrupted.run()
      throw CheckpointError.resumeMismatch("the run did not stop at step \(stopAtStep)")
    } catch TrainingError.interrupted {}
    let resumed = TrainingRun(config: configured("resumed"), reporter: quiet, resume: .latest)
    _ = try resumed.run()

    let expected = Checkpoint(of: straight.trainer!)
    let actual = Checkpoint(of: resumed.trainer!)
    let differences = compare(expected, actual)
    let stoppedAt = interrupted.trainer!.loader.position
    var lines = [
      "straight run: \(totalSteps) steps; interrupted run stopped after step "
        + "\(interrupted.trainer!.state.step) (epoch \(stoppedAt.epoch + 1), batch "
        + "\(stoppedAt.batchIndex) of \(interrupted.trainer!.loader.batchesPerEpoch)) and resumed "
        + "from \(resumed.resumedFrom?.lastPathComponent ?? "?")"
    ]
    if differences.isEmpty {
      let count = expected.parameters.reduce(0) { $0 + $1.values.count }
      lines.append(
        "identical: \(count) parameters, optimizer state (\(expected.optimizer.kind)), "
          + "scheduler and loader state, and \(expected.training.history.count) metrics rows "
          + "agree bit for bit")
    } else {
      lines.append("DIFFERENT:")
      lines += differences.map { "  " + $0 }
    }
    return Report(identical: differences.isEmpty, lines: lines)
  }

  /// Where two checkpoints differ, bit for bit; `rows_per_second` is not compared.
  public static func compare(_ a: Checkpoint, _ b: Checkpoint) -> [String] {
    var out: [String] = []
    func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
    for (p, q) in zip(a.parameters, b.parameters)
    where p.name != q.name || bits(p.values) != bits(q.values) {
      let index =
        zip(p.values, q.values).enumerated().first { $1.0.bitPattern != $1.1.bitPattern }?.offset
        ?? 0
      out.append(
        "parameter \(p.name)[\(index)]: \(p.values.indices.contains(index) ? p.values[index] : .nan) "
          + "vs \(q.values.indices.contains(index) ? q.values[index] : .nan)")
    }
    if a.parameters.count != b.parameters.count { out.append("parameter counts differ") }
    for (name, s, t) in [
      ("optimizer", a.optimizer, b.optimizer), ("scheduler", a.scheduler, b.scheduler),
    ]
      + (a.plateau.flatMap { p in b.plateau.map { [("plateau", p, $0)] } } ?? [])
    {
      for key in Set(s.scalars.keys).union(t.scalars.keys).sorted()
      where s.scalars[key]?.bitPattern != t.scalars[key]?.bitPattern {
        out.append("\(name) \(key): \(s.scalars[key] ?? .nan) vs \(t.scalars[key] ?? .nan)")
      }
      for key in Set(s.arrays.keys).union(t.arrays.keys).sorted()
      where s.arrays[key].map(bits) != t.arrays[key].map(bits) {
        out.append("\(name) \(key) differs")
      }
    }
    if a.loader != b.loader { out.append("loader position \(a.loader) vs \(b.loader)") }
    var ta = a.training
    var tb = b.training
    for index in ta.history.indices { ta.history[index].rowsPerSecond = 0 }
    for index in tb.history.indices { tb.history[index].rowsPerSecond = 0 }
    if ta.history != tb.history { out.append("metrics rows differ") }
    ta.history = []
    tb.history = []
    if ta != tb { out.append("training state \(ta) vs \(tb)") }
    return out
  }
}
