import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A run's checkpoint folder, `<output.dir>/checkpoints/`: files `step-00000100.h5` (8 digits,
/// the optimizer step), and two pointer files, `last` and `best`, each holding the name of one
/// checkpoint file and a newline.
///
/// - Saving writes the HDF5 file under a temporary name in the folder, flushes it (`fsync`),
///   renames it over its final name and flushes the folder (`AtomicFile`); then the pointers are
///   replaced the same way; only then are old checkpoints deleted.
/// - Retention keeps the newest `keepLast` checkpoints plus the one `best` names. Files whose
///   names do not match `step-<8 digits>.h5` (or the pointers) are never touched.
/// - Loading tries `last` first, then every checkpoint from the newest step down, and skips
///   (with a warning) each that fails to open or validate.
public struct CheckpointFolder {
  public let url: URL
  public let keepLast: Int
  /// Where warnings go (skipped files, stale checkpoints removed).
  public var warn: (String) -> Void

  public init(url: URL, keepLast: Int, warn: @escaping (String) -> Void = CheckpointFolder.stderr) {
    self.url = url
    self.keepLast = keepLast
    self.warn = warn
  }

  /// The folder of the run whose `output.dir` is `runDirectory`.
  public init(
    runDirectory: URL, keepLast: Int, warn: @escaping (String) -> Void = CheckpointFolder.stderr
  ) {
    self.init(
      url: runDirectory.appendingPathComponent("checkpoints", isDirectory: true),
      keepLast: keepLast, warn: warn)
  }

  public static func stderr(_ message: String) {
    FileHandle.standardError.write(Data("fit: warning: \(message)\n".utf8))
  }

  /// `step-00000100.h5` for step 100.
  public static func fileName(step: Int) -> String {
    let digits = String(step)
    return "step-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".h5"
  }

  /// The step of a name we write, or nil for any other name.
  public static func step(ofFileName name: String) -> Int? {
    guard name.hasPrefix("step-"), name.hasSuffix(".h5") else { return nil }
    let digits = name.dropFirst(5).dropLast(3)
    guard digits.count >= 8, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(digits)
  }

  /// Our checkpoint files, by step, oldest first.
  public func checkpoints() -> [(step: Int, url: URL)] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.compactMap { name in
      Self.step(ofFileName: name).map { ($0, url.appendingPathComponent(name)) }
    }.sorted { $0.step < $1.step }
  }

  /// The checkpoint a pointer (`last` or `best`) names, if it names one of ours.
  /// A checkpoint path as a user gives it: `last` and `best` (pointer files naming a checkpoint
  /// in the same folder) are followed; any other path is returned as it is.
  public static func resolving(_ path: String) -> URL {
    let url = URL(fileURLWithPath: path)
    guard ["last", "best"].contains(url.lastPathComponent),
      let target = CheckpointFolder(url: url.deletingLastPathComponent(), keepLast: 1)
        .pointer(url.lastPathComponent)
    else { return url }
    return target
  }

  public func pointer(_ name: String) -> URL? {
    guard let text = try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    else { return nil }
    let target = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard Self.step(ofFileName: target) != nil else { return nil }
    return url.appendingPathComponent(target)
  }

  /// Writes `checkpoint` atomically, points `last` (and `best` when `isBest`) at it, then deletes
  /// checkpoints retention no longer keeps and any of a later step (left by an abandoned run).
  /// - Throws: `OutputError` when the folder cannot be created, `CheckpointError.writeFailed`
  ///   when the file cannot be written (read-only folder, full disk); earlier checkpoints and
  ///   pointers are then left as they were.
  @discardableResult
  public func save(_ checkpoint: Checkpoint, isBest: Bool) throws -> URL {
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotCreate(url.path, reason: Self.reason(error))
    }
    let name = Self.fileName(step: checkpoint.step)
    let target = url.appendingPathComponent(name)
    do {
      // The checkpoint and its pointers are renamed into the folder, which is flushed once at
      // the end. A crash before that flush can lose the renames but never leaves a pointer to a
      // half-written file: each file is flushed before its rename, and a pointer to a missing
      // checkpoint is passed over for the newest valid file.
      try AtomicFile.write(to: target, syncFolder: false) { temporary in
        try checkpoint.write(to: temporary)
        // libhdf5 may defer writes to closing the file, where errors cannot be reported; reading
        // the file back (checksums and digest) makes sure a full disk never yields a published
        // checkpoint that is incomplete.
        _ = try Checkpoint.read(from: temporary)
      }
      try AtomicFile.write(
        Data((name + "\n").utf8), to: url.appendingPathComponent("last"), syncFolder: false)
      if let best = isBest ? name : bestFromAbandonedRun(checkpoint) {
        try AtomicFile.write(
          Data((best + "\n").utf8), to: url.appendingPathComponent("best"), syncFolder: false)
      }
      try AtomicFile.syncFolder(of: target)
    } catch {
      throw CheckpointError.writeFailed(file: target.path, reason: Self.reason(error))
    }
    prune(current: checkpoint.step)
    return target
  }

  /// The name `best` should hold instead of what it holds, if it is wrong: the checkpoint of the
  /// epoch that is best in `checkpoint`'s own history, when that file exists. `best` can be
  /// wrong after a run that went further was resumed from an earlier step (it names a later
  /// checkpoint), or after a crash between writing a new best checkpoint and pointing `best`
  /// at it (it names an older one).
  func bestFromAbandonedRun(_ checkpoint: Checkpoint) -> String? {
    guard let step = checkpoint.training.bestEpochStep else { return nil }
    let name = Self.fileName(step: step)
    guard pointer("best")?.lastPathComponent != name else { return nil }
    let exists = FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path)
    return exists ? name : nil
  }

  /// Deletes our checkpoints beyond the newest `keepLast` up to `current`, except `best`, and
  /// those of a step after `current`.
  func prune(current: Int) {
    let best = pointer("best")?.lastPathComponent
    let files = checkpoints()
    let kept = Set(files.filter { $0.step <= current }.suffix(keepLast).map(\.step))
    for file in files where !kept.contains(file.step) && file.url.lastPathComponent != best {
      if file.step > current {
        warn("removing \(file.url.path): a checkpoint after step \(current) from an earlier run")
      }
      unlink(file.url.path)
    }
    removeStaleTemporaries()
  }

  /// Deletes temporaries of our own names (`.step-00000100.h5.tmp-<pid>-<n>`, `.last.tmp-...`)
  /// left by a process that was killed while writing. The run lock guarantees no other `fit` is
  /// writing them now.
  func removeStaleTemporaries() {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    let ours = ".tmp-\(getpid())-"
    for name in names where name.hasPrefix(".") && !name.contains(ours) {
      guard let range = name.range(of: ".tmp-", options: .backwards) else { continue }
      let base = String(name[name.index(after: name.startIndex)..<range.lowerBound])
      guard Self.step(ofFileName: base) != nil || base == "last" || base == "best" else { continue }
      // Exactly AtomicFile's suffix, `<pid>-<number>`: any other name is not ours to delete.
      let suffix = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
      guard suffix.count == 2,
        suffix.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
      else {
        continue
      }
      unlink(url.appendingPathComponent(name).path)
    }
  }

  /// The newest checkpoint that reads and validates: `last` first, then the others from the
  /// newest step down. Each file that fails is reported through `warn` and skipped.
  /// - Throws: `CheckpointError.noCheckpoint` when none is usable; `.incompatible` (not skipped)
  ///   for a valid checkpoint of another format version.
  public func latestGood() throws -> (checkpoint: Checkpoint, url: URL) {
    var candidates = checkpoints().reversed().map(\.url)
    if let last = pointer("last"), let index = candidates.firstIndex(of: last) {
      candidates.remove(at: index)
      candidates.insert(last, at: 0)
    }
    guard !candidates.isEmpty else {
      throw CheckpointError.noCheckpoint(
        folder: url.path, reason: "it holds no step-*.h5 file; train without --resume first")
    }
    for candidate in candidates {
      do {
        return (try Checkpoint.read(from: candidate), candidate)
      } catch let error as CheckpointError {
        guard case .unreadable = error else { throw error }
        warn("skipping \(error)")
      }
    }
    throw CheckpointError.noCheckpoint(
      folder: url.path, reason: "none of its \(candidates.count) checkpoint files is valid")
  }

  static func reason(_ error: Error) -> String {
    if let output = error as? OutputError {
      switch output {
      case .cannotCreate(_, let reason), .writeFailed(_, let reason): return reason
      }
    }
    return "\(error)"
  }
}
