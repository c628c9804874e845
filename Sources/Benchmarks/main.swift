import Foundation

// fit-bench: fit's side of `make bench`. Each workload prints `RESULT` lines with
// `impl=fit_swift` and the same `name=` as the matching line of the peer script in
// ../shared/bench, so that scripts/bench_table.py can pair them.

let usage = """
  usage: fit-bench <workload> [--data DIR] [--reps N]

  workloads (peer script in ../shared/bench in brackets):
    step-latency   one training step, d=16, batch 32: sgd, momentum, adam   [step_latency.py]
    epoch          one epoch over in-memory lin_1m_32 through Trainer        [epoch_throughput.py]
    accumulation   16×256 micro-batches vs one 4096 batch, and the gradient  [accum.py]
    adam-step      Adam step on 1M parameters vs the memory-traffic bound
    csv            CSVReader on lin_100k_16.csv and lin_1m_32.csv            [csv_load.py]
    hdf5           4096-row reads of lin_1m_32 (chunked, contiguous), and
                   the peak RSS of streaming a >1 GB file                     [hdf5_epoch.py]
    closed-form    LeastSquares (LAPACK dgelsd) on lin_1m_32                 [closed_form.py]
    all            every workload above, in that order

  DIR holds gen_data.py's output (default: $BENCH_DATA or /tmp/fit-bench-data).
  """

struct Options {
  var workload = ""
  var data = ProcessInfo.processInfo.environment["BENCH_DATA"] ?? "/tmp/fit-bench-data"
  var reps = 3
  /// Internal: arguments of a child process (see `HDF5Benchmark.streamPeakRSS`).
  var rest: [String] = []

  func file(_ name: String) -> URL { URL(fileURLWithPath: data).appendingPathComponent(name) }
}

func parseOptions(_ arguments: [String]) -> Options? {
  var options = Options()
  var index = 0
  while index < arguments.count {
    let argument = arguments[index]
    func value() -> String? {
      index += 1
      return index < arguments.count ? arguments[index] : nil
    }
    switch argument {
    case "--data":
      guard let v = value() else { return nil }
      options.data = v
    case "--reps":
      guard let v = value().flatMap(Int.init), v > 0 else { return nil }
      options.reps = v
    case "-h", "--help": return nil
    default:
      if options.workload.isEmpty {
        options.workload = argument
      } else {
        options.rest.append(argument)
      }
    }
    index += 1
  }
  return options.workload.isEmpty ? nil : options
}

let workloads: [(String, (Options) throws -> Void)] = [
  ("step-latency", StepLatencyBenchmark.run),
  ("epoch", EpochBenchmark.run),
  ("accumulation", AccumulationBenchmark.run),
  ("adam-step", AdamStepBenchmark.run),
  ("csv", CSVBenchmark.run),
  ("hdf5", HDF5Benchmark.run),
  ("closed-form", ClosedFormBenchmark.run),
]
let internalWorkloads: [(String, (Options) throws -> Void)] = [
  ("hdf5-stream-child", HDF5Benchmark.streamChild)
]

guard let options = parseOptions(Array(CommandLine.arguments.dropFirst())) else {
  FileHandle.standardError.write(Data((usage + "\n").utf8))
  exit(2)
}
let chosen =
  options.workload == "all"
  ? workloads : (workloads + internalWorkloads).filter { $0.0 == options.workload }
guard !chosen.isEmpty else {
  FileHandle.standardError.write(
    Data("fit-bench: unknown workload \(options.workload)\n\(usage)\n".utf8))
  exit(2)
}
do {
  for (_, run) in chosen { try run(options) }
} catch {
  FileHandle.standardError.write(Data("fit-bench \(options.workload): \(error)\n".utf8))
  exit(1)
}
