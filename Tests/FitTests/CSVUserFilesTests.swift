import Foundation
import TestSupport
import XCTest

/// CSV files as users write them (issue 17), through the built binary: pandas' `to_csv()` with
/// its index, R's `write.csv` with its row names, a named `id`, European `;` and decimal commas,
/// and a file read with the wrong delimiter. Files are written by pandas as users write them,
/// R's format by hand exactly as R writes it (R is not installed).
///
/// The data: 200 rows of price = 3·area − 20·rooms + 100 + noise (seeded), so that the exact
/// least-squares coefficients are known from numpy (`lstsq`, LAPACK's `dgelsd` as fit's
/// reference uses) to about 1e-12 relative; fit's must agree to 1e-9 relative.
final class CSVUserFilesTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = try FitProcess.temporaryDirectory(self)
    try Python.requirePandas()
  }

  /// Runs `script` after making `df` (area, rooms, price) and `d` (the folder); prints what it
  /// prints.
  @discardableResult
  private func python(_ script: String) throws -> String {
    try Python.run(
      """
      import sys, json, numpy as np, pandas as pd
      d = sys.argv[1]
      rng = np.random.default_rng(7)
      n = 200
      df = pd.DataFrame({'area': rng.uniform(50, 200, n), 'rooms': rng.integers(1, 6, n) * 1.0})
      df['price'] = 3 * df.area - 20 * df.rooms + 100 + rng.normal(0, 5, n)
      def lstsq(frame, columns=['area', 'rooms']):
          A = np.column_stack([frame[columns].to_numpy(), np.ones(len(frame))])
          return list(np.linalg.lstsq(A, frame.price.to_numpy(), rcond=None)[0])

      """ + script, [folder.path])
  }

  /// The least-squares coefficients numpy prints as a JSON list: weights, then the intercept.
  private func reference(_ script: String) throws -> [Double] {
    try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(try python(script).utf8)) as? [Double])
  }

  private func writeConfig(_ name: String, data: String) throws -> URL {
    let url = folder.appendingPathComponent("\(name).json")
    // All rows train (no validation split), so the least squares are numpy's on the frame.
    let validation = data.contains(#""validation""#) ? "" : #", "validation": {"fraction": 0}"#
    try """
    {"data": {\(data), "targets": ["price"]\(validation)},
     "output": {"dir": "runs/\(name)"}}
    """.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// Trains (with `--json`) and returns the summary; fails the test unless it exits 0.
  private func train(
    _ name: String, data: String, _ arguments: [String] = [],
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> [String: Any] {
    let config = try writeConfig(name, data: data)
    let run = try FitProcess.run(["--config", config.path, "--json"] + arguments, in: folder)
    XCTAssertEqual(run.status, 0, run.standardError, file: file, line: line)
    return try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any],
      run.standardError, file: file, line: line)
  }

  /// Standard error of a training run without `--json` (which prints no notes).
  private func trainingMessages(_ name: String, data: String) throws -> FitProcess.Result {
    try FitProcess.run(["--config", try writeConfig(name, data: data).path], in: folder)
  }

  private func inputs(_ summary: [String: Any]) -> [String]? {
    (summary["model"] as? [String: Any])?["inputs"] as? [String]
  }

  /// The trained model's weights then intercept.
  private func trained(_ summary: [String: Any]) throws -> [Double] {
    let model = try XCTUnwrap(summary["model"] as? [String: Any])
    return try XCTUnwrap(model["weights"] as? [Double])
      + XCTUnwrap(model["intercept"] as? [Double])
  }

  /// The exact least-squares weights then intercept fit printed.
  private func leastSquares(_ summary: [String: Any]) throws -> [Double] {
    let reference = try XCTUnwrap(summary["leastSquares"] as? [String: Any])
    return try XCTUnwrap(reference["weights"] as? [Double])
      + XCTUnwrap(reference["intercept"] as? [Double])
  }

  private func assertRelativelyClose(
    _ actual: [Double], _ expected: [Double], _ tolerance: Double,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, "\(actual)", file: file, line: line)
    for (a, e) in zip(actual, expected) {
      XCTAssertEqual(
        a, e, accuracy: tolerance * abs(e), "\(actual) vs \(expected)", file: file, line: line)
    }
  }

  private func fit(_ arguments: [String]) throws -> FitProcess.Result {
    try FitProcess.run(arguments, in: folder)
  }

  // MARK: - Index columns

  /// `df.to_csv("p.csv")` writes the index as an unnamed first column: training leaves it out
  /// with a note and trains exactly as on `df.to_csv("q.csv", index=False)`; predict and eval
  /// read either file by the model's column names alike.
  func testPandasDefaultIndexIsLeftOutOfTrainingPredictAndEval() throws {
    let expected = try reference(
      """
      df.to_csv(d + '/p.csv')
      df.to_csv(d + '/q.csv', index=False)
      print(json.dumps(lstsq(df)))
      """)
    XCTAssertTrue(
      try String(contentsOf: folder.appendingPathComponent("p.csv"), encoding: .utf8)
        .hasPrefix(",area,rooms,price\n0,"))
    let withIndex = try train("p", data: #""path": "p.csv""#)
    let without = try train("q", data: #""path": "q.csv""#)
    XCTAssertEqual(inputs(withIndex), ["area", "rooms"])
    assertRelativelyClose(try leastSquares(withIndex), expected, 1e-9)
    XCTAssertEqual(try trained(withIndex), try trained(without))

    let messages = try trainingMessages("p-note", data: #""path": "p.csv""#)
    XCTAssertEqual(messages.status, 0, messages.standardError)
    XCTAssertTrue(
      messages.standardError.contains(
        "note: column 1 of \(folder.path)/p.csv has no name and holds the row numbers 0..199 "
          + "(pandas' to_csv() index): left out of the features\n"), messages.standardError)
    XCTAssertFalse(messages.standardError.contains("warning"), messages.standardError)

    for command in ["eval", "predict"] {
      let p = try fit([command, "--model", "runs/p/model.json", "--data", "p.csv"])
      let q = try fit([command, "--model", "runs/p/model.json", "--data", "q.csv"])
      XCTAssertEqual(p.status, 0, p.standardError)
      XCTAssertEqual(p.standardOutput, q.standardOutput, command)
    }
    let predictions = try fit(["predict", "--model", "runs/p/model.json", "--data", "p.csv"])
    XCTAssertEqual(predictions.standardOutput.split(separator: "\n").count, 201)
  }

  /// R's `write.csv(df)`: header `"","area","rooms","price"`, row names `"1"`...`"200"` quoted,
  /// numbers with 15 significant digits. The row names are left out; the coefficients are
  /// those of the same numbers without them.
  func testRWriteCSVRowNamesAreLeftOut() throws {
    let expected = try reference(
      """
      rounded = df.map(lambda v: float('%.15g' % v))
      with open(d + '/r.csv', 'w') as f:
          f.write('"","area","rooms","price"\\n')
          for i, row in enumerate(rounded.itertuples(index=False)):
              f.write('"%d",' % (i + 1) + ','.join('%.15g' % v for v in row) + '\\n')
      rounded.to_csv(d + '/plain.csv', index=False)
      print(json.dumps(lstsq(rounded)))
      """)
    let text = try String(contentsOf: folder.appendingPathComponent("r.csv"), encoding: .utf8)
    XCTAssertTrue(text.hasPrefix("\"\",\"area\",\"rooms\",\"price\"\n\"1\","), text)
    let r = try train("r", data: #""path": "r.csv""#)
    XCTAssertEqual(inputs(r), ["area", "rooms"])
    assertRelativelyClose(try leastSquares(r), expected, 1e-9)
    XCTAssertEqual(try trained(r), try trained(try train("plain", data: #""path": "plain.csv""#)))
    let messages = try trainingMessages("r-note", data: #""path": "r.csv""#)
    XCTAssertTrue(
      messages.standardError.contains(
        "column 1 of \(folder.path)/r.csv has no name and holds the row numbers 1..200 (row "
          + "names, as R's write.csv writes them): left out of the features"),
      messages.standardError)
  }

  /// A named `id` column is left out by `data.exclude`; a name the file lacks, or a target, is
  /// refused naming the key.
  func testDataExcludeLeavesANamedIdOutAndRefusesNamesItCannotExclude() throws {
    let expected = try reference(
      """
      df.to_csv(d + '/validation.csv', index=False)
      df.insert(0, 'id', range(1000, 1000 + n))
      df.to_csv(d + '/ids.csv', index=False)
      print(json.dumps(lstsq(df)))
      """)
    let excluded = try train("ids", data: #""path": "ids.csv", "exclude": ["id"]"#)
    XCTAssertEqual(inputs(excluded), ["area", "rooms"])
    assertRelativelyClose(try leastSquares(excluded), expected, 1e-9)
    // A validation file is read by the features' names: it need not hold the excluded column.
    for features in [#""features": null"#, #""features": ["area", "rooms"]"#] {
      let validated = try train(
        "ids-validated",
        data: #""path": "ids.csv", "exclude": ["id"], "#
          + #""validation": {"path": "validation.csv"}, "# + features)
      let metrics = try XCTUnwrap(validated["validation"] as? [String: Any])
      XCTAssertEqual(metrics["rows"] as? Int, 200)
    }
    let kept = try train("ids-kept", data: #""path": "ids.csv""#)
    XCTAssertEqual(inputs(kept), ["id", "area", "rooms"])

    let unknown = try writeConfig("unknown", data: #""path": "ids.csv", "exclude": ["ID"]"#)
    for command in [["--config"], ["check", "--config"]] {
      let run = try fit(command + [unknown.path])
      XCTAssertEqual(run.status, 65, run.standardError)
      XCTAssertEqual(
        run.standardError,
        "fit: error: data.exclude: \(folder.path)/ids.csv has no column named \"ID\"; its header "
          + "has \"id\", \"area\", \"rooms\", \"price\"\n")
    }
    let target = try fit([
      "--config", unknown.path, "--set", #"data.exclude=["id", "price"]"#,
    ])
    XCTAssertEqual(target.status, 64, target.standardError)
    XCTAssertEqual(
      target.standardError,
      "fit: error: --set data.exclude=[\"id\", \"price\"]: data.exclude: expected columns that "
        + "are not targets (\"price\" is in data.targets), found an array\n")
  }

  /// An unnamed first column that is not 0..n−1 or 1..n (a filtered frame's index) is trained,
  /// as written, with a warning that says how to leave it out; `data.exclude: [""]` does.
  func testAnUnnamedColumnThatIsNoRowIndexIsTrainedWithAWarning() throws {
    let expected = try reference(
      """
      kept = df[df.rooms > 2]
      kept.to_csv(d + '/filtered.csv')
      print(json.dumps(lstsq(kept)))
      """)
    let messages = try trainingMessages("filtered", data: #""path": "filtered.csv""#)
    XCTAssertEqual(messages.status, 0, messages.standardError)
    XCTAssertTrue(
      messages.standardError.contains(
        "warning: \(folder.path)/filtered.csv has a column without a name, trained as a feature "
          + "(its values are not the row numbers 0..n−1 or 1..n of an index, which would be "
          + "left out); to leave it out, set \"data\": {\"exclude\": [\"\"]}\n"),
      messages.standardError)
    XCTAssertFalse(messages.standardError.contains("note: column 1"), messages.standardError)
    XCTAssertEqual(
      inputs(try train("filtered-json", data: #""path": "filtered.csv""#)), ["", "area", "rooms"])
    let excluded = try train("filtered-excluded", data: #""path": "filtered.csv", "exclude": [""]"#)
    XCTAssertEqual(inputs(excluded), ["area", "rooms"])
    assertRelativelyClose(try leastSquares(excluded), expected, 1e-9)
  }

  /// `fit convert` leaves pandas' index out as training does (and `--exclude` a named column):
  /// h5py reads /X with the frame's columns, bit for bit.
  func testConvertLeavesTheIndexAndExcludedColumnsOut() throws {
    try python(
      """
      df.to_csv(d + '/p.csv')
      df.insert(0, 'id', range(n))
      df.to_csv(d + '/ids.csv', index=False)
      """)
    let converted = try fit(["convert", "p.csv", "p.h5", "--targets", "price"])
    XCTAssertEqual(converted.status, 0, converted.standardError)
    XCTAssertEqual(
      converted.standardOutput,
      "wrote p.h5: 200 rows, features [\"area\", \"rooms\"], targets [\"price\"]\n")
    XCTAssertEqual(
      converted.standardError,
      "note: column 1 of \(folder.path)/p.csv has no name and holds the row numbers 0..199 (pandas' to_csv() "
        + "index): left out of the features\n")
    let excluded = try fit([
      "convert", "ids.csv", "ids.h5", "--targets", "price", "--exclude", "id",
    ])
    XCTAssertEqual(excluded.status, 0, excluded.standardError)
    XCTAssertEqual(excluded.standardError, "")
    let check = try python(
      """
      import h5py
      for name in ['p.h5', 'ids.h5']:
          with h5py.File(d + '/' + name) as f:
              columns = f['X'].attrs['columns']
              print(columns.decode() if isinstance(columns, bytes) else columns, np.array_equal(f['X'][()], df[['area', 'rooms']].to_numpy()),
                    np.array_equal(f['y'][()][:, 0], df.price.to_numpy()))
      """)
    XCTAssertEqual(check, "[\"area\",\"rooms\"] True True\n[\"area\",\"rooms\"] True True\n")
  }

  // MARK: - European CSV and the delimiter

  /// `df.to_csv(sep=";", decimal=",")`, index included, trains with `data.delimiter` ";" and
  /// `data.decimal` ",", exactly as the same frame written with commas and points; eval,
  /// predict and convert read it with `--delimiter` and `--decimal`.
  func testDecimalCommaFilesTrainPredictEvalAndConvertExactly() throws {
    try python(
      """
      df.to_csv(d + '/eu.csv', sep=';', decimal=',')
      df.to_csv(d + '/us.csv', index=False)
      """)
    let text = try String(contentsOf: folder.appendingPathComponent("eu.csv"), encoding: .utf8)
    XCTAssertTrue(text.hasPrefix(";area;rooms;price\n0;"), text)
    XCTAssertTrue(text.split(separator: "\n")[1].contains(","), text)
    let eu = try train("eu", data: #""path": "eu.csv", "delimiter": ";", "decimal": ",""#)
    let us = try train("us", data: #""path": "us.csv""#)
    XCTAssertEqual(inputs(eu), ["area", "rooms"])
    XCTAssertEqual(try trained(eu), try trained(us))
    XCTAssertEqual(try leastSquares(eu), try leastSquares(us))

    let options = ["--delimiter", ";", "--decimal", ","]
    for command in ["eval", "predict"] {
      let euRun = try fit([command, "--model", "runs/eu/model.json", "--data", "eu.csv"] + options)
      let usRun = try fit([command, "--model", "runs/eu/model.json", "--data", "us.csv"])
      XCTAssertEqual(euRun.status, 0, euRun.standardError)
      XCTAssertEqual(euRun.standardOutput, usRun.standardOutput, command)
    }
    let converted = try fit(["convert", "eu.csv", "eu.h5", "--targets", "price"] + options)
    XCTAssertEqual(converted.status, 0, converted.standardError)
    let check = try python(
      """
      import h5py
      with h5py.File(d + '/eu.h5') as f:
          print(np.array_equal(f['X'][()], df[['area', 'rooms']].to_numpy()),
                np.array_equal(f['y'][()][:, 0], df.price.to_numpy()))
      """)
    XCTAssertEqual(check, "True True\n")
  }

  /// A decimal comma with the comma delimiter is refused as a usage error, in a config and on
  /// the command line.
  func testADecimalCommaWithTheCommaDelimiterIsAUsageError() throws {
    try python("df.to_csv(d + '/us.csv', index=False)")
    let config = try writeConfig("both", data: #""path": "us.csv", "decimal": ",""#)
    let run = try fit(["--config", config.path])
    XCTAssertEqual(run.status, 64)
    XCTAssertTrue(
      run.standardError.contains(
        "data.decimal: expected \".\" with data.delimiter \",\" (a decimal comma needs another "
          + "delimiter: set data.delimiter, usually to \";\"), found \",\""), run.standardError)
    _ = try train("us", data: #""path": "us.csv""#)
    for arguments in [["--decimal", ","], ["--decimal", ",", "--delimiter", ","]] {
      let eval = try fit(["eval", "--model", "runs/us/model.json", "--data", "us.csv"] + arguments)
      XCTAssertEqual(eval.status, 64, eval.standardError)
      XCTAssertTrue(
        eval.standardError.contains("--decimal , needs a delimiter other than a comma"),
        eval.standardError)
    }
  }

  /// `;`- and tab-separated files read with the default comma are refused with the delimiter
  /// they look separated by: as a config key for training and `check`, as an option for
  /// eval, predict and convert; then a decimal comma read with a point names `data.decimal`.
  func testAWrongDelimiterErrorSuggestsTheDelimiterSeenMost() throws {
    try python(
      """
      df.to_csv(d + '/eu.csv', sep=';', decimal=',')
      df.to_csv(d + '/tabs.csv', sep='\\t')
      """)
    let eu = try writeConfig("eu", data: #""path": "eu.csv""#)
    for command in [["--config"], ["check", "--config"]] {
      let run = try fit(command + [eu.path])
      XCTAssertEqual(run.status, 65, run.standardError)
      XCTAssertEqual(
        run.standardError,
        "fit: error: \(folder.path)/eu.csv line 1: the line is not ','-separated; it looks "
          + "';'-separated: set \"data\": {\"delimiter\": \";\"}\n")
    }
    let tabs = try fit(["--config", try writeConfig("tabs", data: #""path": "tabs.csv""#).path])
    XCTAssertEqual(tabs.status, 65)
    XCTAssertEqual(
      tabs.standardError,
      "fit: error: \(folder.path)/tabs.csv line 1: the line is not ','-separated; it looks "
        + "tab-separated: set \"data\": {\"delimiter\": \"\\t\"}\n")
    let decimal = try fit(["--config", eu.path, "--set", "data.delimiter=;"])
    XCTAssertEqual(decimal.status, 65)
    XCTAssertTrue(
      decimal.standardError.hasPrefix("fit: error: \(folder.path)/eu.csv line 2, column 2 "),
      decimal.standardError)
    XCTAssertTrue(
      decimal.standardError.hasSuffix(
        "as a number with a decimal point; for decimal commas, set \"data\": {\"decimal\": "
          + "\",\"}\n"), decimal.standardError)

    let trained = try train("tabs-ok", data: #""path": "tabs.csv", "delimiter": "\t""#)
    XCTAssertEqual(inputs(trained), ["area", "rooms"])
    let model = "runs/tabs-ok/model.json"
    for arguments in [
      ["eval", "--model", model, "--data", "eu.csv"],
      ["predict", "--model", model, "--data", "eu.csv"],
      ["convert", "eu.csv", "eu.h5", "--targets", "price"],
    ] {
      let run = try fit(arguments)
      XCTAssertEqual(run.status, 65, run.standardError)
      XCTAssertEqual(
        run.standardError,
        "fit: error: \(folder.path)/eu.csv line 1: the line is not ','-separated; it looks ';'-separated: pass "
          + "--delimiter ';'\n", arguments[0])
    }
    let tabEval = try fit(["eval", "--model", model, "--data", "tabs.csv"])
    XCTAssertTrue(tabEval.standardError.hasSuffix("pass --delimiter tab\n"), tabEval.standardError)
    let tabOK = try fit(["eval", "--model", model, "--data", "tabs.csv", "--delimiter", "tab"])
    XCTAssertEqual(tabOK.status, 0, tabOK.standardError)
    XCTAssertTrue(tabOK.standardOutput.hasPrefix("rows 200 "), tabOK.standardOutput)
  }
}
