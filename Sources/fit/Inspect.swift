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
      let url = CheckpointFolder.resolving(checkpoint)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else {
        throw TrainingError.missingInput(
          "\(url.path) \(isDirectory.boolValue ? "is a folder, not a checkpoint file" : "does not exist")"
        )
      }
      let saved = try Checkpoint.read(from: url)
      for line in saved.inspectionLines(file: url.path) { print(line) }
    }
  }
}
