import DataIO
import Foundation
import TestSupport
import XCTest

@testable import Training

/// The streamed least-squares reference (`StreamingQR`: R of [design | targets] updated block by
/// block) on NIST's Longley table, whose raw design has a condition number near 10⁸, against
/// NIST's certified coefficients (computed in 500-digit arithmetic) and the in-memory SVD path.
final class StreamingLeastSquaresTests: XCTestCase {
  /// NIST StRD, Longley: intercept, then GNPDeflator, GNP, Unemployed, ArmedForces, Population,
  /// Year (https://www.itl.nist.gov/div898/strd/lls/data/LINKS/c-Longley.shtml).
  let certifiedIntercept = -3482258.63459582
  let certifiedWeights = [
    15.0618722713733, -0.358191792925910e-01, -2.02022980381683, -1.03322686717359,
    -0.511041056535807e-01, 1829.15146461355,
  ]
  /// Certified residual sum of squares over the 16 rows.
  let certifiedMSE = 836424.055505915 / 16

  var longley: URL { FitProcess.packageRoot.appendingPathComponent("data/longley.csv") }

  /// Largest |computed − certified| / |certified| over the seven coefficients.
  func worstRelativeError(weights: [Double], intercept: Double) -> Double {
    zip(weights + [intercept], certifiedWeights + [certifiedIntercept])
      .map { Swift.abs($0 - $1) / Swift.abs($1) }.max()!
  }

  /// Blocks of 1, 3, 5 and 16 rows give the certified coefficients to 1e-9 relative (the
  /// in-memory SVD of the whole design reaches about 1e-11 here; the normal equations in the
  /// same arithmetic have no correct digit, issue 17).
  func testBlockUpdatesGiveNISTsCertifiedLongleyCoefficients() throws {
    let data = try InMemoryDataset.csv(url: longley, targets: ["Employed"])
    let design = RunSummary.LeastSquaresReference.design(
      data.features, rows: data.rowCount, terms: data.featureCount, bias: true)
    let columns = data.featureCount + 1
    for blockRows in [1, 3, 5, 16] {
      var qr = StreamingQR(columns: columns + 1)
      for start in stride(from: 0, to: data.rowCount, by: blockRows) {
        let end = min(start + blockRows, data.rowCount)
        try qr.add(
          rows: end - start, left: Array(design[(start * columns)..<(end * columns)]),
          right: Array(data.targets[start..<end]))
      }
      let x = try qr.solve(leftColumns: columns)
      let error = worstRelativeError(weights: Array(x[..<6]), intercept: x[6])
      XCTAssertLessThan(error, 1e-9, "blocks of \(blockRows) rows: \(x)")
      // R₂₂² is the residual sum of squares.
      let rss = qr.r[(columns + 1) * (columns + 1) - 1]
      XCTAssertEqual(rss * rss / 16, certifiedMSE, accuracy: certifiedMSE * 1e-9)
    }
  }

  /// A rank-deficient design (a column repeated) gets the minimum-norm solution, as in memory:
  /// the repeated column's coefficient is split evenly.
  func testARepeatedColumnGetsTheMinimumNormSolutionAsInMemory() throws {
    let rows = 40
    var design: [Double] = []
    var targets: [Double] = []
    for i in 0..<rows {
      let t = Double(i) / 7
      design += [t, t, 1]
      targets.append(3 * t + 1 + 0.01 * Foundation.sin(Double(i)))
    }
    let inMemory = try LeastSquares.solve(
      design: design, rows: rows, columns: 3, targets: targets, rightHandSides: 1)
    var qr = StreamingQR(columns: 4)
    for start in stride(from: 0, to: rows, by: 7) {
      let end = min(start + 7, rows)
      try qr.add(
        rows: end - start, left: Array(design[(start * 3)..<(end * 3)]),
        right: Array(targets[start..<end]))
    }
    let streamed = try qr.solve(leftColumns: 3)
    for k in 0..<3 { XCTAssertEqual(streamed[k], inMemory[k], accuracy: 1e-10) }
    XCTAssertEqual(streamed[0], streamed[1], accuracy: 1e-10)
    XCTAssertEqual(streamed[0] + streamed[1], 3, accuracy: 0.01)
  }

  /// End to end: Longley converted to HDF5 and trained with `data.stream: true` reports the
  /// same exact optimum over all 16 rows as the in-memory run of the CSV (it printed 141114 for the MSE, not
  /// 52276.5, with no correct digit in any coefficient, before).
  func testStreamedLongleyReportsTheSameOptimumAsInMemory() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let h5 = folder.appendingPathComponent("longley.h5")
    try convertCSVToHDF5(csv: longley, hdf5: h5, targets: [.name("Employed")], chunkRows: 4)
    func run(_ data: String, name: String) throws -> RunSummary.LeastSquaresReference {
      let text = """
        {"name": "\(name)", "data": {\(data), "validation": {"fraction": 0}},
         "training": {"epochs": 1},
         "output": {"dir": "\(folder.appendingPathComponent(name).path)"}}
        """
      let config = try TrainingConfig.parse(text, baseDirectory: folder.path)
      let summary = try TrainingRun(config: config, reporter: Reporter(style: .quiet)).run()
      return try XCTUnwrap(summary.leastSquares)
    }
    let memory = try run(#""path": "\#(longley.path)", "targets": ["Employed"]"#, name: "memory")
    let streamed = try run(#""path": "\#(h5.path)", "stream": true"#, name: "streamed")
    XCTAssertLessThan(
      worstRelativeError(weights: streamed.weights, intercept: streamed.intercept[0]), 1e-9,
      "\(streamed.weights) \(streamed.intercept)")
    XCTAssertLessThan(
      worstRelativeError(weights: memory.weights, intercept: memory.intercept[0]), 1e-9)
    XCTAssertEqual(streamed.trainMSE, certifiedMSE, accuracy: certifiedMSE * 1e-9)
    XCTAssertEqual(streamed.trainMSE, memory.trainMSE, accuracy: certifiedMSE * 1e-9)
  }
}
