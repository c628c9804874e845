import DataIO
import Foundation
import Training

#if canImport(Glibc)
  import Glibc
#endif

/// `fit-fuzz`: seeded mutation campaigns against every reader of user input (CSV, config,
/// `--set`, HDF5 data in memory and streamed, model.json, checkpoints).
///
///     fit-fuzz <target|all> [--cases N] [--seconds S] [--seed X] [--work DIR] [--corpus DIR]
///              [--time-limit T] [--memory-limit-mb M] [--only K] [--replay FILE]
///
/// Each case is written to `<work>/case-<target>.<ext>` before it is read, so after a crash
/// that file is the input that caused it; `--only K` makes case K again, `--replay FILE` reads
/// one file as a case. A case that
/// runs longer than the time limit ends the process (exit 2); an allocation beyond the memory
/// limit (address space, `RLIMIT_AS`) ends it with a signal. Refusals whose message does not name
/// the file are failures too, kept under `<work>/failures/`. Exit 0 when every case passed.
struct Options {
  var targets: [String] = []
  var cases = 10_000
  var seconds: Double? = nil
  var seed: UInt64 = 1
  var work = FileManager.default.temporaryDirectory.appendingPathComponent("fit-fuzz-\(getpid())")
  var corpus: URL? = nil
  var timeLimit = 5.0
  var memoryLimitMB = 4096
  var replay: URL? = nil
  /// Runs only this case (its input stays in the work folder).
  var only: Int? = nil
}

func parseOptions() -> Options {
  var options = Options()
  var arguments = CommandLine.arguments.dropFirst()
  func number<T: LosslessStringConvertible>(_ flag: String) -> T {
    guard let parsed = T(value(flag)) else { fail("\(flag): not a number") }
    return parsed
  }
  func value(_ flag: String) -> String {
    guard let next = arguments.popFirst() else {
      fail("\(flag) needs a value")
    }
    return next
  }
  while let argument = arguments.popFirst() {
    switch argument {
    case "--cases": options.cases = number(argument)
    case "--seconds": options.seconds = number(argument) as Double
    case "--seed": options.seed = number(argument)
    case "--work": options.work = URL(fileURLWithPath: value(argument))
    case "--corpus": options.corpus = URL(fileURLWithPath: value(argument))
    case "--time-limit":
      options.timeLimit = number(argument)
    case "--memory-limit-mb":
      options.memoryLimitMB = number(argument)
    case "--replay": options.replay = URL(fileURLWithPath: value(argument))
    case "--only": options.only = number(argument)
    case let name where !name.hasPrefix("-"): options.targets.append(name)
    default: fail("unknown option \(argument)")
    }
  }
  if options.targets.isEmpty || options.targets == ["all"] {
    options.targets = ["csv", "config", "set", "hdf5", "hdf5-stream", "model", "checkpoint"]
  }
  return options
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("fit-fuzz: \(message)\n".utf8))
  exit(64)
}

/// Valid inputs for the targets that need files made by fit itself: HDF5 data sets written by
/// `convertCSVToHDF5` (gzip-chunked and uncompressed), plus any `.h5` in the corpus folder (the
/// tests put h5py-written files there); a model.json and checkpoints from a short training.
func makeSeeds(in folder: URL, corpus: URL?) throws -> (
  hdf5: [[UInt8]], models: [[UInt8]], checkpoints: [[UInt8]]
) {
  let manager = FileManager.default
  let seeds = folder.appendingPathComponent("seeds")
  try? manager.removeItem(at: seeds)
  try manager.createDirectory(at: seeds, withIntermediateDirectories: true)
  let csv = seeds.appendingPathComponent("d.csv")
  var lines = ["a,b,c,y"]
  for i in 0..<60 {
    let x = Double(i) / 7
    lines.append("\(x),\(x * x - 1),\(Double(i % 5)),\(2 * x + 1 + Double(i % 3) * 0.1)")
  }
  try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
  var hdf5: [[UInt8]] = []
  for (name, gzip, chunk) in [("gz.h5", 4 as Int?, 16), ("plain.h5", nil, 60)] {
    let url = seeds.appendingPathComponent(name)
    try convertCSVToHDF5(csv: csv, hdf5: url, targets: ["y"], chunkRows: chunk, gzipLevel: gzip)
    hdf5.append(Array(try Data(contentsOf: url)))
  }
  if let corpus, let names = try? manager.contentsOfDirectory(atPath: corpus.path) {
    for name in names.sorted() where name.hasSuffix(".h5") {
      hdf5.append(Array(try Data(contentsOf: corpus.appendingPathComponent(name))))
    }
  }
  let config = """
    {"name": "seed", "data": {"path": "\(csv.path)", "targets": ["y"]},
     "model": {"kind": "polynomial", "degree": 2}, "optimizer": {"kind": "adam", "lr": 0.05},
     "training": {"epochs": 3, "batchSize": 16},
     "output": {"dir": "\(seeds.appendingPathComponent("run").path)", "checkpointEvery": {"steps": 2}}}
    """
  let parsed = try TrainingConfig.parse(config, baseDirectory: seeds.path)
  _ = try TrainingRun(config: parsed, reporter: Reporter(style: .quiet)).run()
  let run = seeds.appendingPathComponent("run")
  let models = [Array(try Data(contentsOf: run.appendingPathComponent("model.json")))]
  let checkpointFolder = run.appendingPathComponent("checkpoints")
  let checkpoints = try manager.contentsOfDirectory(atPath: checkpointFolder.path)
    .filter { $0.hasSuffix(".h5") }.sorted().prefix(2)
    .map { Array(try Data(contentsOf: checkpointFolder.appendingPathComponent($0))) }
  return (hdf5, models, checkpoints)
}

/// The example configs shipped in `configs/`, when run from the package.
func exampleConfigs() -> [[UInt8]] {
  let folder = URL(fileURLWithPath: "configs")
  let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
  return names.sorted().filter { $0.hasSuffix(".json") }.compactMap {
    (try? Data(contentsOf: folder.appendingPathComponent($0))).map(Array.init)
  }
}

/// Peak resident set size of this process, in MiB (`VmHWM` in /proc/self/status).
func peakResidentMB() -> Int {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
  else { return -1 }
  return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// Runs `target`'s odd cases, then mutations until `cases` or `seconds` is reached.
func campaign(_ target: FuzzTarget, options: Options, watchdog: Watchdog) throws -> Bool {
  let work = options.work
  let caseFile = work.appendingPathComponent("case-\(target.name).\(target.fileExtension)")
  let failures = work.appendingPathComponent("failures")
  var accepted = 0
  var refused = 0
  var failed = 0
  var slowest = 0.0
  var slowestCase = 0
  var peakSeen = peakResidentMB()
  var peakCase = -1
  let start = DispatchTime.now().uptimeNanoseconds
  let total = target.oddCases.count + options.cases
  var index = options.only ?? 0
  var done = 0
  while options.only == nil || index == options.only! {
    if let seconds = options.seconds {
      if Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 >= seconds { break }
    } else if index >= total {
      break
    }
    let bytes =
      index < target.oddCases.count
      ? target.oddCases[index]
      : target.mutator.mutate(target.seeds, case: index, seed: options.seed)
    try Data(bytes).write(to: caseFile)
    let began = DispatchTime.now().uptimeNanoseconds
    watchdog.begin(index)
    do {
      try target.read(caseFile, index)
      accepted += 1
    } catch {
      let message = "\(error)"
      if target.namesPlace(message, caseFile) {
        refused += 1
      } else {
        failed += 1
        try FileManager.default.createDirectory(at: failures, withIntermediateDirectories: true)
        let kept = failures.appendingPathComponent(
          "\(target.name)-\(index).\(target.fileExtension)")
        try? FileManager.default.removeItem(at: kept)
        try FileManager.default.copyItem(at: caseFile, to: kept)
        if failed <= 5 {
          print("fit-fuzz: \(target.name) case \(index): error without the file's name: \(message)")
        }
      }
    }
    watchdog.end()
    let duration = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6
    if duration > slowest { (slowest, slowestCase) = (duration, index) }
    if index % 16 == 0 || duration > 50 {
      let peak = peakResidentMB()
      if peak > peakSeen { (peakSeen, peakCase) = (peak, index) }
    }
    index += 1
    done += 1
  }
  let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  print(
    "fuzz \(target.name): \(done) cases (\(target.oddCases.count) odd, seed \(options.seed)) "
      + "in \(String(format: "%.1f", elapsed)) s: \(accepted) read, \(refused) refused with the "
      + "file named, \(failed) failed; slowest case \(String(format: "%.0f", slowest)) ms "
      + "(case \(slowestCase)); peak RSS \(peakResidentMB()) MiB (reached by case \(peakCase))")
  return failed == 0
}

let options = parseOptions()
// AddressSanitizer reserves terabytes of shadow address space, so under it the bound is left
// to ASan's own allocation checks.
if dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") == nil {
  var limit = rlimit(
    rlim_cur: rlim_t(options.memoryLimitMB) << 20, rlim_max: rlim_t(options.memoryLimitMB) << 20)
  _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
}
do {
  try FileManager.default.createDirectory(at: options.work, withIntermediateDirectories: true)
  let seeds = try makeSeeds(in: options.work, corpus: options.corpus)
  let targets: [String: FuzzTarget] = [
    "csv": .csv(), "config": .config(examples: exampleConfigs()), "set": .overrides(),
    "hdf5": .hdf5(seeds: seeds.hdf5, streaming: false),
    "hdf5-stream": .hdf5(seeds: seeds.hdf5, streaming: true),
    "model": .model(seeds: seeds.models), "checkpoint": .checkpoint(seeds: seeds.checkpoints),
  ]
  let watchdog = Watchdog(limit: options.timeLimit) { index in
    "case \(index) (input kept in \(options.work.path)/case-*)"
  }
  var passed = true
  for name in options.targets {
    guard let target = targets[name] else { fail("unknown target \(name)") }
    if let replay = options.replay {
      do {
        try target.read(replay, 1)
        print("\(replay.path): read")
      } catch {
        print("\(replay.path): refused: \(error)")
      }
      continue
    }
    passed = try campaign(target, options: options, watchdog: watchdog) && passed
  }
  exit(passed ? 0 : 1)
} catch {
  fail("\(error)")
}
