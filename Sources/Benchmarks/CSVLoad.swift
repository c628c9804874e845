import DataIO
import Foundation

/// Parsing a CSV file into a row-major `Double` matrix with DataIO's `CSVReader`, as
/// `csv_load.py` times pandas and polars: file in the page cache (read once before timing),
/// every column parsed, median of `reps` reads. exact=1 when every value equals the HDF5 copy of
/// the same data bit for bit.
enum CSVBenchmark {
  static func run(_ options: Options) throws {
    for tag in ["lin_100k_16", "lin_1m_32"] {
      let csv = options.file("\(tag).csv")
      warmPageCache(csv.path)
      let megabytes =
        Double(
          (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as! NSNumber).intValue)
        / 1e6
      var times: [Double] = []
      var table: Table!
      for _ in 0..<options.reps {
        table = nil  // free the previous table before the next read
        times.append(try seconds { table = try CSVReader.read(url: csv) })
      }
      let reference = try LinearData(hdf5: options.file("\(tag).h5"))
      let exact = isExact(table, reference)
      let middle = median(times)
      result(
        "csv_load/\(tag)", times, unit: "s",
        [
          "mb_per_s": megabytes / middle, "rows_per_s": Double(table.rows) / middle,
          "exact": exact ? 1 : 0, "file_mb": megabytes,
        ])
    }
  }

  /// Whether the table is [X, y] of the reference, bit for bit.
  static func isExact(_ table: Table, _ reference: LinearData) -> Bool {
    let columns = reference.columns + 1
    guard table.rows == reference.rows, table.columns == columns else { return false }
    for r in 0..<table.rows {
      for c in 0..<reference.columns
      where table.values[r * columns + c].bitPattern
        != reference.features[r * reference.columns + c].bitPattern
      {
        return false
      }
      if table.values[r * columns + reference.columns].bitPattern
        != reference.targets[r].bitPattern
      {
        return false
      }
    }
    return true
  }
}
