import Training
import XCTest

// Each class of error with its whole message: where (file, line, column), which key, what was
// expected, what was found, and the suggestion for a misspelling.
final class ConfigErrorTests: XCTestCase {
  func testMisspeltTopLevelKeySuggestsTheNearestKey() {
    let error = assertConfigError(
      """
      {
        "data": {"path": "d.csv", "targets": ["y"]},
        "optimiser": {"kind": "sgd"}
      }
      """,
      "cfg.json:3:3: unknown key `optimiser`; did you mean `optimizer`?")
    XCTAssertEqual(error?.keyPath, "optimiser")
    XCTAssertEqual(error?.suggestion, "optimizer")
    XCTAssertEqual(error?.file, "cfg.json")
    XCTAssertEqual(error?.line, 3)
    XCTAssertEqual(error?.column, 3)
  }

  func testMisspeltNestedKeySuggestsItsFullPath() {
    assertConfigError(
      config(#""optimizer": {"kind": "adam", "lrr": 0.1}"#),
      "cfg.json:1:87: unknown key `optimizer.lrr`; did you mean `optimizer.lr`?")
    assertConfigError(
      config(#""training": {"batch_size": 10}"#),
      "cfg.json:1:70: unknown key `training.batch_size`; did you mean `training.batchSize`?")
    assertConfigError(
      config(#""training": {"epcohs": 10}"#),
      "cfg.json:1:70: unknown key `training.epcohs`; did you mean `training.epochs`?")
  }

  func testMisspeltRequiredKeyIsReportedAsMisspeltNotMissing() {
    assertConfigError(
      #"{"data": {"pth": "d.csv", "targets": ["y"]}}"#,
      "cfg.json:1:11: unknown key `data.pth`; did you mean `data.path`?")
  }

  func testUnknownKeyFarFromAnyValidKeyListsTheValidKeys() {
    let error = assertConfigError(
      config(#""output": {"folder": "x"}"#),
      "cfg.json:1:68: unknown key `output.folder`; expected one of: dir, checkpointEvery, keepLast")
    XCTAssertNil(error?.suggestion)
  }

  func testKeyOfAnotherKindIsReportedWithWhyItDoesNotApply() {
    assertConfigError(
      config(#""optimizer": {"kind": "adam", "momentum": 0.9}"#),
      "cfg.json:1:87: unknown key `optimizer.momentum` (not used by optimizer kind \"adam\"); "
        + "expected one of: kind, lr, betas, eps, weightDecay, amsgrad")
    assertConfigError(
      config(#""model": {"degree": 3}"#),
      "cfg.json:1:67: unknown key `model.degree` (only for model kind \"polynomial\"); "
        + "expected one of: kind, bias")
    assertConfigError(
      #"{"data": {"path": "d.h5", "delimiter": ";"}}"#,
      "cfg.json:1:27: unknown key `data.delimiter` (not used with data.format \"hdf5\"); "
        + "expected one of: path, format, features, targets, exclude, validation, shuffle, "
        + "standardize, missing, hdf5, stream")
  }

  func testWrongTypeNamesKeyExpectedAndFound() {
    let error = assertConfigError(
      """
      {
        "data": {"path": "d.csv", "targets": ["y"]},
        "optimizer": {
          "lr": "fast"
        }
      }
      """,
      "cfg.json:4:11: optimizer.lr: expected a number > 0, found \"fast\"")
    XCTAssertEqual(error?.keyPath, "optimizer.lr")
    XCTAssertEqual(error?.expected, "a number > 0")
    XCTAssertEqual(error?.found, "\"fast\"")
    assertConfigError(
      config(#""training": {"epochs": true}"#),
      "cfg.json:1:80: training.epochs: expected an integer ≥ 1, found true")
    assertConfigError(
      config(#""training": {"epochs": 2.5}"#),
      "cfg.json:1:80: training.epochs: expected an integer ≥ 1, found 2.5")
    assertConfigError(
      config(#""data": 3"#.replacingOccurrences(of: "\"data\"", with: "\"model\"")),
      "cfg.json:1:66: model: expected an object or one of \"linear\", \"polynomial\", found 3")
    assertConfigError(
      config(#""training": {"clipNorm": "1"}"#),
      "cfg.json:1:82: training.clipNorm: expected a number > 0 or null, found \"1\"")
    assertConfigError(
      config(#""data2": 1"#).replacingOccurrences(of: "\"data2\": 1", with: "\"output\": []"),
      "cfg.json:1:67: output: expected an object, found an empty array")
    assertConfigError("[1, 2]", "cfg.json:1:1: the config: expected an object, found an array")
  }

  func testOutOfRangeValuesNameTheRange() {
    assertConfigError(
      config(#""optimizer": {"lr": -0.1}"#),
      "cfg.json:1:77: optimizer.lr: expected a number > 0, found -0.1")
    assertConfigError(
      config(#""optimizer": {"lr": 0}"#),
      "cfg.json:1:77: optimizer.lr: expected a number > 0, found 0")
    assertConfigError(
      config(#""training": {"epochs": 0}"#),
      "cfg.json:1:80: training.epochs: expected an integer ≥ 1, found 0")
    assertConfigError(
      config(#""training": {"batchSize": 0}"#),
      "cfg.json:1:83: training.batchSize: expected an integer ≥ 1, found 0")
    assertConfigError(
      config(#""training": {"batchSize": 64, "microBatchSize": 128}"#),
      "cfg.json:1:105: training.microBatchSize: expected an integer in 1...64 (at most "
        + "training.batchSize), found 128")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "validation": {"fraction": 1}}}"#,
      "cfg.json:1:73: data.validation.fraction: expected a number in [0, 1), found 1")
    assertConfigError(
      config(#""optimizer": {"betas": [0.9, 1.5]}"#),
      "cfg.json:1:86: optimizer.betas[1]: expected a number in [0, 1), found 1.5")
    assertConfigError(
      config(#""optimizer": {"betas": [0.9]}"#),
      "cfg.json:1:80: optimizer.betas: expected an array of two numbers in [0, 1), found an array")
    assertConfigError(
      config(#""optimizer": {"eps": 0}"#),
      "cfg.json:1:78: optimizer.eps: expected a number > 0, found 0")
    assertConfigError(
      config(#""model": {"kind": "polynomial", "degree": 0}"#),
      "cfg.json:1:99: model.degree: expected an integer ≥ 1, found 0")
    assertConfigError(
      config(#""output": {"keepLast": 0}"#),
      "cfg.json:1:80: output.keepLast: expected an integer ≥ 1, found 0")
    assertConfigError(
      config(#""version": 2"#),
      "cfg.json:1:68: version: expected 1 (the version this fit reads), found 2")
    assertConfigError(
      config(#""training": {"seed": -1}"#),
      "cfg.json:1:78: training.seed: expected an integer in 0...18446744073709551615, found -1")
    assertConfigError(
      config(#""loss": {"kind": "huber", "delta": 0}"#),
      "cfg.json:1:92: loss.delta: expected a number > 0, found 0")
  }

  func testMisspeltKindSuggestsTheNearestWord() {
    let error = assertConfigError(
      config(#""model": {"kind": "linaer"}"#),
      "cfg.json:1:75: model.kind: expected one of \"linear\", \"polynomial\", found \"linaer\"; "
        + "did you mean \"linear\"?")
    XCTAssertEqual(error?.suggestion, "linear")
    assertConfigError(
      config(#""loss": "MSE""#),
      "cfg.json:1:65: loss: expected one of \"mse\", \"mae\", \"huber\", found \"MSE\"; did you "
        + "mean \"mse\"?")
    assertConfigError(
      config(#""optimizer": "rmsprop""#),
      "cfg.json:1:70: optimizer: expected one of \"sgd\", \"momentum\", \"adam\", \"adamw\", "
        + "found \"rmsprop\"")
  }

  func testMissingRequiredKeys() {
    assertConfigError(
      #"{"model": "linear"}"#,
      "cfg.json:1:1: missing key `data`: expected an object with the data file's `path`")
    assertConfigError(
      #"{"data": {"targets": ["y"]}}"#,
      "cfg.json:1:10: missing key `data.path`: expected a string (the data file)")
    assertConfigError(
      #"{"data": {"path": "d.csv"}}"#,
      "cfg.json:1:10: missing key `data.targets`: expected a non-empty array of column names "
        + "(the values to predict)")
    assertConfigError(
      #"{"data": {"path": "data/d.dat", "targets": ["y"]}}"#,
      "cfg.json:1:10: missing key `data.format`: expected one of \"csv\", \"hdf5\" (the "
        + "extension of \"data/d.dat\" does not tell)")
    assertConfigError(
      config(#""schedule": {"kind": "step"}"#),
      "cfg.json:1:69: missing key `schedule.stepSize`: expected an integer ≥ 1")
  }

  func testDuplicateKeyIsAnError() {
    assertConfigError(
      """
      {
        "data": {"path": "d.csv", "targets": ["y"]},
        "training": {"epochs": 5,
                     "epochs": 6}
      }
      """,
      "cfg.json:4:16: duplicate key `training.epochs`")
  }

  func testConflictingValues() {
    assertConfigError(
      config(#""optimizer": {"kind": "sgd", "nesterov": true}"#),
      "cfg.json:1:98: optimizer.nesterov: expected false unless momentum > 0 and dampening is 0 "
        + "(as Nesterov needs), found true")
    assertConfigError(
      config(#""optimizer": {"kind": "momentum", "momentum": 0}"#),
      "cfg.json:1:103: optimizer.momentum: expected a number in (0, 1), found 0")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "validation": {"fraction": 0}}, "#
        + #""training": {"earlyStopping": {"patience": 3}}}"#,
      "cfg.json:1:108: training.earlyStopping: expected null when there is no validation data "
        + "(data.validation.fraction is 0), found an object")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "validation": {"fraction": 0}}, "#
        + #""schedule": "plateau"}"#,
      "cfg.json:1:90: schedule: expected a kind other than \"plateau\" when there is no "
        + "validation data (data.validation.fraction is 0), found \"plateau\"")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "validation": {"fraction": 0.1, "path": "v.csv"}}}"#,
      "cfg.json:1:60: data.validation: expected either `fraction` or `path`, not both, found an "
        + "object")
    assertConfigError(
      #"{"data": {"path": "d.csv", "features": ["a", "y"], "targets": ["y"]}}"#,
      "cfg.json:1:40: data.features: expected columns that are not targets (\"y\" is both), "
        + "found an array")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y", "y"]}}"#,
      "cfg.json:1:45: data.targets[1]: expected a name not listed before, found \"y\"")
    // With the default data sets the file may hold a pandas frame, whose columns are named
    // (issue 17); reading the file refuses names for /X and /y (HDF5UserFilesTests).
    assertConfigError(
      #"{"data": {"path": "d.h5", "hdf5": {"features": "/in"}, "targets": ["y"]}}"#,
      "cfg.json:1:67: data.targets: expected null with data.hdf5.features and "
        + "data.hdf5.targets (their columns are the data sets'; names choose columns of a "
        + "pandas frame, data.hdf5.frame), found an array")
    assertConfigError(
      #"{"data": {"path": "d.h5", "hdf5": {"frame": "/df", "targets": "/y"}}}"#,
      "cfg.json:1:35: data.hdf5: expected either `frame` (a pandas frame) or `features` and "
        + "`targets` (data sets), found an object")
    assertConfigError(
      config(#""optimizer": "adam", "schedule": {"kind": "cosine", "minLR": 0.01}"#),
      "cfg.json:1:118: schedule.minLR: expected a number ≥ 0 and below optimizer.lr (0.001), "
        + "found 0.01")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "delimiter": ";;"}}"#,
      "cfg.json:1:59: data.delimiter: expected a single ASCII character other than a quote or "
        + "line break, found \";;\"")
    for name in ["my run", "..", "a/b", "é"] {
      assertConfigError(
        config(#""name": "\#(name)""#),
        "cfg.json:1:65: name: expected a non-empty name of letters, digits, `.`, `_`, `-`, `=`, "
          + "`,` and `+`, other than `.` and `..`, found \"\(name)\"")
    }
  }

  /// `data.exclude` leaves columns out of the default features: never a target or a chosen
  /// feature, and not for HDF5 data sets, whose columns are all read.
  func testExcludeNamesColumnsThatAreNeitherTargetsNorChosenFeatures() {
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "exclude": ["id", "y"]}}"#,
      "cfg.json:1:57: data.exclude: expected columns that are not targets (\"y\" is in "
        + "data.targets), found an array")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "features": ["a"], "exclude": ["a"]}}"#,
      "cfg.json:1:76: data.exclude: expected columns that are not features (\"a\" is in "
        + "data.features), found an array")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "exclude": ["id", "id"]}}"#,
      "cfg.json:1:64: data.exclude[1]: expected a name not listed before, found \"id\"")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "exclude": "id"}}"#,
      "cfg.json:1:57: data.exclude: expected an array of distinct column names, found \"id\"")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "exclude": [1]}}"#,
      "cfg.json:1:58: data.exclude[0]: expected a column name (a string), found 1")
    assertConfigError(
      #"{"data": {"path": "d.h5", "hdf5": {"features": "/A"}, "exclude": ["id"]}}"#,
      "cfg.json:1:66: data.exclude: expected null with data.hdf5.features and "
        + "data.hdf5.targets (their columns are the data sets'; names choose columns of a "
        + "pandas frame, data.hdf5.frame), found an array")
  }

  func testDecimalIsAPointOrACommaThatIsNotAlsoTheDelimiter() {
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "decimal": ","}}"#,
      "cfg.json:1:57: data.decimal: expected \".\" with data.delimiter \",\" (a decimal comma "
        + "needs another delimiter: set data.delimiter, usually to \";\"), found \",\"")
    assertConfigError(
      #"{"data": {"path": "d.csv", "targets": ["y"], "delimiter": ";", "decimal": "·"}}"#,
      "cfg.json:1:75: data.decimal: expected \".\" or \",\", found \"·\"")
    assertConfigError(
      #"{"data": {"path": "d.h5", "decimal": ","}}"#,
      "cfg.json:1:27: unknown key `data.decimal` (not used with data.format \"hdf5\"); "
        + "expected one of: path, format, features, targets, exclude, validation, shuffle, "
        + "standardize, missing, hdf5, stream")
  }

  func testErrorWithoutFileGivesLineAndColumn() {
    XCTAssertThrowsError(
      try TrainingConfig.parse("{\n  \"data\": 1\n}", baseDirectory: "/")
    ) { error in
      XCTAssertEqual(
        "\(error)",
        "line 2, column 11: data: expected an object, found 1")
    }
  }

  func testSuggestionDistance() {
    // Two edits are forgiven in longer keys, one in short ones.
    assertConfigError(
      config(#""training": {"epoks": 1}"#),
      "cfg.json:1:70: unknown key `training.epoks`; did you mean `training.epochs`?")
    assertConfigError(
      config(#""optimizer": {"rl": 1}"#),
      "cfg.json:1:71: unknown key `optimizer.rl`; did you mean `optimizer.lr`?")
    assertConfigError(
      config(#""optimizer": {"xyz": 1}"#),
      "cfg.json:1:71: unknown key `optimizer.xyz`; expected one of: kind, lr, betas, eps, "
        + "weightDecay, amsgrad")
  }
}
