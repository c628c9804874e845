import ArgumentParser
import Foundation
import Training

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate a checkpoint file and print what it holds.")

  @Argument(help: "A checkpoint (runs/<name>/checkpoints/step-00000100.h5, or its last/best).")
  var checkpoint: String

  func run() throws {
    try reportingErrors {
      var url = URL(fileURLWithPath: checkpoint)
      // `last` and `best` are pointer files naming a checkpoint in the same folder.
      if ["last", "best"].contains(url.lastPathComponent),
        let target = CheckpointFolder(url: url.deletingLastPathComponent(), keepLast: 1)
          .pointer(url.lastPathComponent)
      {
        url = target
      }
      let saved = try Checkpoint.read(from: url)
      for line in saved.inspectionLines(file: url.path) { print(line) }
    }
  }
}
