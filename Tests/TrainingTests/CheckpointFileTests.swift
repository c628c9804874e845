import Foundation
import Optim
import TestSupport
import XCTest

@testable import Training

#if canImport(Glibc)
  import Glibc
#endif

/// The checkpoint file and folder: round trip, validation of damaged and foreign files, pointers
/// and retention, refusal of incompatible configs, and write failures that leave earlier
/// checkpoints intact.
final class CheckpointFileTests: XCTestCase {
  var fixture: CheckpointFixture!
  var warnings: [String] = []

  override func setUpWithError() throws {
    fixture = try CheckpointFixture()
    warnings = []
  }

  /// A run of 40 steps with a checkpoint every 3 steps and every epoch, keeping the last 2.
  func trainedFolder(run: String = "run", overrides: [String] = []) throws -> CheckpointFolder {
    try train(try fixture.config(run: run, overrides: overrides))
    return CheckpointFolder(
      runDirectory: fixture.url(run), keepLast: 2, warn: { [unowned self] in warnings.append($0) })
  }

  func testCheckpointRoundTripsEveryValueExactly() throws {
    let run = try train(try fixture.config(run: "run"))
    let original = Checkpoint(of: run.trainer!)
    let url = fixture.url("copy.h5")
    try original.write(to: url)
    XCTAssertEqual(try Checkpoint.read(from: url), original)
  }

  func testRetentionKeepsTheLastKPlusBestAndPointersResolve() throws {
    let folder = try trainedFolder(overrides: ["output.checkpointEvery.epochs=null"])
    let names = folder.checkpoints().map { $0.url.lastPathComponent }
    let best = try XCTUnwrap(folder.pointer("best")).lastPathComponent
    XCTAssertEqual(try XCTUnwrap(folder.pointer("last")).lastPathComponent, "step-00000040.h5")
    XCTAssertTrue(names.contains(best))
    XCTAssertEqual(Set(names), Set(["step-00000039.h5", "step-00000040.h5", best]))
    XCTAssertEqual(try Checkpoint.read(from: folder.pointer("last")!).step, 40)
  }

  func testFilesWeDidNotWriteAreNeverTouched() throws {
    let checkpoints = fixture.url("run/checkpoints")
    try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    let foreign = [
      "notes.txt", "step-1.h5", "model-backup.h5", "step-00000001.h5.bak", ".hidden",
      ".last.tmp-my-notes", ".best.tmp-old-backup.txt", ".step-00000001.h5.tmp-copy.bak",
    ]
    // A temporary of ours left by a killed process is removed.
    try Data("stale\n".utf8).write(to: checkpoints.appendingPathComponent(".last.tmp-1-2"))
    for name in foreign {
      try Data("mine\n".utf8).write(to: checkpoints.appendingPathComponent(name))
    }
    _ = try trainedFolder()
    for name in foreign {
      XCTAssertEqual(
        try String(contentsOf: checkpoints.appendingPathComponent(name), encoding: .utf8), "mine\n",
        name)
    }
    XCTAssertFalse(
      FileManager.default.fileExists(
        atPath: checkpoints.appendingPathComponent(".last.tmp-1-2").path))
  }

  /// A crash between writing a new best checkpoint and pointing `best` at it leaves `best` on an
  /// older one; the next checkpoint saved points it back at the best epoch's file.
  func testAStaleBestPointerIsRepairedAtTheNextSave() throws {
    let folder = try trainedFolder(overrides: ["output.keepLast=10"])
    let best = try XCTUnwrap(folder.pointer("best")).lastPathComponent
    let older = try XCTUnwrap(
      folder.checkpoints().map(\.url.lastPathComponent).first(where: { $0 < best }))
    try Data((older + "\n").utf8).write(to: folder.url.appendingPathComponent("best"))
    let latest = try Checkpoint.read(from: try XCTUnwrap(folder.pointer("last")))
    try folder.save(latest, isBest: false)
    XCTAssertEqual(folder.pointer("best")?.lastPathComponent, best)
  }

  func testTruncatedCheckpointIsSkippedWithAWarning() throws {
    let folder = try trainedFolder()
    let last = folder.pointer("last")!
    let bytes = try Data(contentsOf: last)
    try bytes.prefix(bytes.count / 2).write(to: last)
    let (checkpoint, url) = try folder.latestGood()
    XCTAssertEqual(checkpoint.step, 39)
    XCTAssertEqual(url.lastPathComponent, "step-00000039.h5")
    XCTAssertEqual(warnings.count, 1)
    XCTAssertTrue(warnings[0].contains("step-00000040.h5 is not usable"), warnings[0])
  }

  func testFlippedBitInParameterDataFailsItsChecksum() throws {
    let folder = try trainedFolder()
    let last = folder.pointer("last")!
    let weight = try Checkpoint.read(from: last).parameters[0].values[1]
    try flipBit(of: withUnsafeBytes(of: weight.bitPattern.littleEndian) { Data($0) }, in: last)
    assertUnreadable(last, saying: "checksum does not match its contents")
    // Behind the whole-file checksum, HDF5's own still catches it.
    try FileChecksum.seal(last)
    assertUnreadable(last, saying: "Fletcher-32")
    XCTAssertEqual(try folder.latestGood().checkpoint.step, 39)
    XCTAssertEqual(warnings.count, 1)
  }

  func testFlippedBitInTheStoredConfigFailsTheDigest() throws {
    let folder = try trainedFolder()
    let last = folder.pointer("last")!
    try flipBit(of: Data(#""batchSize": 16"#.utf8), in: last)
    assertUnreadable(last, saying: "checksum does not match its contents")
    // Behind the whole-file checksum, the content digest still catches it.
    try FileChecksum.seal(last)
    assertUnreadable(last, saying: "content digest")
    XCTAssertEqual(try folder.latestGood().checkpoint.step, 39)
  }

  func testForeignAndNonHDF5FilesUnderOurNameAreSkipped() throws {
    let folder = try trainedFolder()
    // A later step than any real checkpoint, so they are tried first.
    try Data("not hdf5 at all".utf8).write(
      to: folder.url.appendingPathComponent("step-00000098.h5"))
    let foreign = try HDF5FileForTests.write(folder.url.appendingPathComponent("step-00000099.h5"))
    try Data("step-00000099.h5\n".utf8).write(to: folder.url.appendingPathComponent("last"))
    let (checkpoint, _) = try folder.latestGood()
    XCTAssertEqual(checkpoint.step, 40)
    XCTAssertEqual(warnings.count, 2, "\(warnings)")
    XCTAssertTrue(warnings[0].contains("not a fit checkpoint"), warnings[0])
    XCTAssertTrue(warnings[1].contains("step-00000098.h5"), warnings[1])
    _ = foreign
  }

  func testNoUsableCheckpointIsAClearError() throws {
    let folder = try trainedFolder()
    for file in folder.checkpoints() { try Data("x".utf8).write(to: file.url) }
    XCTAssertThrowsError(try folder.latestGood()) { error in
      XCTAssertTrue("\(error)".contains("checkpoint files is valid"), "\(error)")
      XCTAssertEqual((error as? CheckpointError)?.exitStatus, .noInput)
    }
  }

  func testOtherFormatVersionIsRefusedSayingSo() throws {
    let folder = try trainedFolder()
    let url = fixture.url("future.h5")
    var checkpoint = try Checkpoint.read(from: folder.pointer("last")!)
    checkpoint.version = 2
    try checkpoint.write(to: url)
    XCTAssertThrowsError(try Checkpoint.read(from: url)) { error in
      XCTAssertEqual(
        "\(error)",
        "cannot resume from \(url.path): checkpoint format version 2 differs from this fit's 1")
    }
  }

  func testResumeWithAnotherModelShapeOrOptimizerIsRefusedNamingTheKey() throws {
    _ = try trainedFolder()
    let cases = [
      (
        "model.kind=\"polynomial\"",
        "config key model.kind is \"polynomial\" now but was \"linear\""
      ),
      (
        "data.features=[\"x0\",\"x1\"]",
        "config key data.features is [\"x0\", \"x1\"] now but was null"
      ),
      ("optimizer.lr=0.5", "config key optimizer.lr is 0.5 now but was 0.001"),
    ]
    for (override, message) in cases {
      let config = try fixture.config(run: "run", overrides: [override])
      XCTAssertThrowsError(try train(config, resume: .latest), override) { error in
        XCTAssertTrue("\(error)".contains(message), "\(error)")
        XCTAssertEqual((error as? CheckpointError)?.exitStatus, .usage)
      }
    }
  }

  func testResumeWithAnotherEpochBudgetOrOutputOptionsIsAllowed() throws {
    _ = try trainedFolder()
    let config = try fixture.config(
      run: "run",
      overrides: ["training.epochs=6", "output.keepLast=4", "output.checkpointEvery.steps=5"])
    let resumed = try train(config, resume: .latest)
    XCTAssertEqual(resumed.trainer!.state.step, 60)
    XCTAssertEqual(try metricsWithoutSpeed(fixture.url("run/metrics.csv")).count, 7)
  }

  func testASecondRunOnTheSameFolderIsRefused() throws {
    let config = try fixture.config(run: "run")
    let holder = try CheckpointRunLock(runDirectory: fixture.url("run"))
    XCTAssertThrowsError(try train(config)) { error in
      XCTAssertEqual((error as? CheckpointError)?.exitStatus, .cannotCreate)
      XCTAssertTrue("\(error)".contains("is in use by another fit (pid \(getpid()))"), "\(error)")
    }
    withExtendedLifetime(holder) {}
  }

  // A full disk is tested end to end in FitTests (CheckpointCLITests): libhdf5 crashes in its
  // exit handler after a failed flush, which `fit` avoids by leaving with `_exit`, but a test
  // process cannot.

  func testReadOnlyFolderFailsClearlyAndLeavesEarlierCheckpointsIntact() throws {
    try XCTSkipIf(
      getuid() == 0, "root writes into read-only folders; CheckpointCLITests runs this as nobody")
    let folder = try trainedFolder()
    let before = try folder.latestGood().checkpoint
    chmod(folder.url.path, 0o555)
    defer { chmod(folder.url.path, 0o755) }
    var next = before
    next.training.step = 41
    XCTAssertThrowsError(try folder.save(next, isBest: false)) { error in
      XCTAssertTrue("\(error)".contains("earlier checkpoints are left intact"), "\(error)")
    }
    XCTAssertEqual(try folder.latestGood().checkpoint, before)
  }

  func testH5pyReadsTheDocumentedDataSets() throws {
    let folder = try trainedFolder()
    let url = folder.pointer("last")!
    let checkpoint = try Checkpoint.read(from: url)
    let script = """
      import h5py, json, sys
      f = h5py.File(sys.argv[1], "r")
      text = lambda value: value.decode() if isinstance(value, bytes) else str(value)
      assert text(f.attrs["format"]) == "fit-checkpoint", f.attrs["format"]
      assert f.attrs["version"] == 1
      assert json.loads(text(f.attrs["config"]))["name"] == "ckpt"
      assert f["model/weight"].shape == (3, 1) and f["model/weight"].fletcher32
      out = [repr(float(v)) for v in f["model/weight"][:, 0]] + [repr(float(f["model/bias"][0]))]
      out.append(text(f["optimizer"].attrs["kind"]))
      out.append(repr(float(f["optimizer/scalars/param.0.step"][0])))
      out.append(repr(float(f["optimizer/arrays/param.0.exp_avg_sq"][2])))
      out.append(str(int(f["training/step"][0])))
      out.append(str(int(f["loader/epoch"][0])) + " " + str(int(f["loader/batch_index"][0])))
      hi, lo = (int(v) for v in f["loader/rng_state"][:])
      out.append(str((hi << 32) | lo) + " " + text(f["loader"].attrs["rng_state"]))
      out.append(repr(float(f["standardization/mean"][1])))
      out.append(" ".join(str(int(e)) for e in f["metrics/epoch"][:]))
      out.append(repr(float(f["metrics/val_mse"][-1])))
      print("\\n".join(out))
      """
    let lines = try Python.run(script, [url.path]).split(separator: "\n").map(String.init)
    let weight = checkpoint.parameters[0].values
    let expected = [
      "\(weight[0])", "\(weight[1])", "\(weight[2])", "\(checkpoint.parameters[1].values[0])",
      "Adam", "40.0", "\(checkpoint.optimizer.arrays["param.0.exp_avg_sq"]![2])", "40", "4 0",
      "\(checkpoint.loader.rngState) \(checkpoint.loader.rngState)",
      "\(checkpoint.standardization!.mean[1])", "1 2 3 4",
      "\(checkpoint.training.history.last!.validation!.mse)",
    ]
    XCTAssertEqual(lines, expected)
  }

  /// Flips the lowest bit of the first occurrence of `pattern` in the file.
  /// A flipped byte in HDF5's own metadata (here the first object header after the user
  /// block), which HDF5 does not checksum and which could make libhdf5 allocate absurd sizes
  /// or crash, is caught by the whole-file checksum before libhdf5 reads anything; the
  /// checkpoint is skipped for the previous one. So is damage to the checksum header itself.
  func testDamageAnywhereIsCaughtBeforeHDF5ReadsTheFile() throws {
    let folder = try trainedFolder()
    let last = folder.pointer("last")!
    let original = try Data(contentsOf: last)
    XCTAssertTrue(original.starts(with: Array("fit-checkpoint-checksum ".utf8)))
    for offset in [FileChecksum.blockSize + 8, FileChecksum.blockSize + 200, 30] {
      var bytes = original
      bytes[offset] ^= 0x10
      try bytes.write(to: last)
      XCTAssertThrowsError(try Checkpoint.read(from: last), "byte \(offset)") { error in
        XCTAssertTrue(
          "\(error)".contains("checksum") || "\(error)".contains("not a fit checkpoint"),
          "\(error)")
      }
      XCTAssertEqual(try folder.latestGood().checkpoint.step, 39, "byte \(offset)")
    }
    try original.write(to: last)
    XCTAssertEqual(try Checkpoint.read(from: last).step, 40)
  }

  /// Asserts that reading the checkpoint at `url` fails with a message containing `text`.
  private func assertUnreadable(
    _ url: URL, saying text: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try Checkpoint.read(from: url), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
    }
  }

  private func flipBit(of pattern: Data, in url: URL) throws {
    var bytes = try Data(contentsOf: url)
    let range = try XCTUnwrap(bytes.range(of: pattern), "pattern not found in \(url.path)")
    bytes[range.lowerBound] ^= 1
    try bytes.write(to: url)
  }
}

/// A valid HDF5 file that is not a checkpoint.
enum HDF5FileForTests {
  static func write(_ url: URL) throws -> URL {
    _ = try Python.run(
      "import h5py, sys; f = h5py.File(sys.argv[1], 'w'); f['x'] = [1.0, 2.0]; f.close()",
      [url.path])
    return url
  }
}
