import Foundation

extension CSVReader {
  /// Parses the buffered records on two threads when that is safe and worthwhile, or returns
  /// `nil` to leave them to the single-threaded parser.
  ///
  /// Safe: without any quote in the buffer every LF ends a record, so the bytes split at the
  /// first LF after the middle into two runs of whole records that parse independently (each
  /// ends with an LF, so no number runs into the other half). Worthwhile: more than one core and
  /// at least 1 MiB buffered. If either half fails, nothing is kept and the single-threaded
  /// parser reads the same bytes again, so errors and their line numbers are exactly the same.
  func parseInParallel(into values: inout [Double]) -> CSVRecordParser.Progress? {
    let base = UnsafeMutableRawPointer(buffer + start)
    let length = count - start
    guard length >= 1 << 20, ProcessInfo.processInfo.activeProcessorCount > 1,
      memchr(base, Int32(CSVRecordParser.quote), length) == nil
    else { return nil }
    let regionEnd: Int
    if atEOF {
      regionEnd = length
    } else {
      var lastLF = length - 1
      while lastLF >= 0 && buffer[start + lastLF] != CSVRecordParser.lf { lastLF -= 1 }
      guard lastLF >= 0 else { return nil }
      regionEnd = lastLF + 1
    }
    let middle = regionEnd / 2
    guard middle > 0,
      let middleLF = memchr(base + middle, Int32(CSVRecordParser.lf), regionEnd - middle)
    else { return nil }
    let split = base.distance(to: middleLF) + 1
    guard split < regionEnd else { return nil }

    let halves = [
      ParallelHalf(parser: parser, bytes: buffer + start, range: 0..<split),
      ParallelHalf(parser: parser, bytes: buffer + start, range: split..<regionEnd),
    ]
    let firstLine = line
    DispatchQueue.concurrentPerform(iterations: 2) { half in
      halves[half].parse(firstLine: firstLine)
    }
    guard let first = halves[0].progress, let second = halves[1].progress,
      first.consumed == split, second.consumed == regionEnd - split
    else { return nil }
    values += halves[0].values
    values += halves[1].values
    return CSVRecordParser.Progress(
      consumed: regionEnd, rows: first.rows + second.rows, dropped: first.dropped + second.dropped,
      lines: first.lines + second.lines)
  }
}

/// One thread's share of `parseInParallel`: its own parser (with its own scratch) and output.
private final class ParallelHalf: @unchecked Sendable {
  var parser: CSVRecordParser
  let bytes: UnsafePointer<UInt8>
  let range: Range<Int>
  var values: [Double] = []
  var progress: CSVRecordParser.Progress?

  init(parser: CSVRecordParser, bytes: UnsafeMutablePointer<UInt8>, range: Range<Int>) {
    self.parser = parser
    self.bytes = UnsafePointer(bytes)
    self.range = range
  }

  /// Parses the range as complete input; any error leaves `progress` nil.
  func parse(firstLine: Int) {
    values.reserveCapacity(range.count / 8)
    progress = try? parser.parse(
      bytes + range.lowerBound, count: range.count, isFinal: true, firstLine: firstLine,
      maxRows: .max, into: &values)
  }
}
