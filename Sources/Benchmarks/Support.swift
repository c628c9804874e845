import DataIO
import Foundation

// What every workload shares: a monotonic clock, medians, the peers' RESULT line format, and the
// benchmark data files (written by ../shared/bench/gen_data.py).

/// Seconds on the monotonic clock.
func now() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = now()
  try body()
  return now() - start
}

func median(_ values: [Double]) -> Double {
  precondition(!values.isEmpty, "median of no values")
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// A number as `_common.fmt` prints it, so our lines and the peers' read alike.
func format(_ value: Double) -> String {
  if value != 0 && (Swift.abs(value) < 1e-3 || Swift.abs(value) >= 1e7) {
    return String(format: "%.4e", value)
  }
  return String(format: Swift.abs(value) < 100 ? "%.4f" : "%.1f", value)
}

/// The implementation name every line of ours carries; `scripts/bench_table.py` pairs it with
/// the peers' lines of the same `name`.
let ourImplementation = "fit_swift"

/// Prints one `RESULT name=... impl=... value=<median> unit=... min= max= n= [extra]` line.
func result(
  _ name: String, _ values: [Double], unit: String, impl: String = ourImplementation,
  _ extra: KeyValuePairs<String, Any> = [:]
) {
  var parts = [
    "RESULT name=\(name)", "impl=\(impl)", "value=\(format(median(values)))", "unit=\(unit)",
    "min=\(format(values.min()!))", "max=\(format(values.max()!))", "n=\(values.count)",
  ]
  for (key, value) in extra {
    parts.append("\(key)=\((value as? Double).map(format) ?? "\(value)")")
  }
  print(parts.joined(separator: " "))
  fflush(nil)
}

/// A `META key=value ...` line: context that is not a measurement.
func meta(_ pairs: KeyValuePairs<String, Any>) {
  print("META " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
  fflush(nil)
}

/// A linear data set as gen_data.py writes it: X (rows × columns, row-major), y and w_true.
struct LinearData {
  var features: [Double]
  var targets: [Double]
  var trueWeights: [Double]
  var rows: Int
  var columns: Int

  /// Reads `/X`, `/y` and `/w_true` of an HDF5 file with DataIO.
  init(hdf5 url: URL) throws {
    let file = try HDF5File(url: url)
    let x = try file.dataset("/X")
    features = try x.read()
    targets = try file.dataset("/y").read()
    trueWeights = try file.dataset("/w_true").read()
    rows = x.rows
    columns = x.columns
  }

  /// max |w − w_true|.
  func weightError(_ weights: [Double]) -> Double {
    zip(weights, trueWeights).map { Swift.abs($0 - $1) }.max() ?? .nan
  }

  /// mean((X·w + b − y)²) over every row.
  func meanSquaredError(weights: [Double], bias: Double) -> Double {
    var total = 0.0
    features.withUnsafeBufferPointer { x in
      for r in 0..<rows {
        var prediction = bias
        for c in 0..<columns { prediction += x[r * columns + c] * weights[c] }
        let residual = prediction - targets[r]
        total += residual * residual
      }
    }
    return total / Double(rows)
  }
}

/// The bias the data were made with (`b_true` in meta.json).
let trueBias = 0.5

/// Reads a file once so that the timed reads find it in the page cache, as the peers do.
func warmPageCache(_ path: String) {
  guard let file = fopen(path, "rb") else { return }
  defer { fclose(file) }
  let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
  defer { buffer.deallocate() }
  while fread(buffer, 1, 1 << 20, file) > 0 {}
}

/// Peak resident set size of this process so far (`VmHWM` in /proc/self/status), in MB (10⁶ B).
func peakResidentMegabytes() -> Double {
  statusField("VmHWM:")
}

/// Current resident set size (`VmRSS`), in MB.
func residentMegabytes() -> Double {
  statusField("VmRSS:")
}

private func statusField(_ field: String) -> Double {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
    return .nan
  }
  for line in status.split(separator: "\n") where line.hasPrefix(field) {
    let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
    return kilobytes * 1024 / 1e6
  }
  return .nan
}

struct BenchmarkFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
