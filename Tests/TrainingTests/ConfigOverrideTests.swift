import Training
import XCTest

// `--set key.path=value`.
final class ConfigOverrideTests: XCTestCase {
  func testOverrideReplacesValuesAsJSONOrString() throws {
    let c = try parseConfig(
      minimalConfig,
      overrides: [
        "optimizer.lr=0.1", "training.epochs=7", "data.shuffle=false", "optimizer.betas=[0.5, 0.6]",
        "name=run-2", "loss=huber", "training.clipNorm=null", "data.features=[\"a\", \"b\"]",
      ])
    XCTAssertEqual(c.optimizer.lr, 0.1)
    XCTAssertEqual(c.training.epochs, 7)
    XCTAssertFalse(c.data.shuffle)
    XCTAssertEqual([c.optimizer.beta1, c.optimizer.beta2], [0.5, 0.6])
    XCTAssertEqual(c.name, "run-2")
    XCTAssertEqual(c.loss.kind, .huber)
    XCTAssertNil(c.training.clipNorm)
    XCTAssertEqual(c.data.features, ["a", "b"])
  }

  func testOverrideCreatesNestedObjects() throws {
    let c = try parseConfig(
      minimalConfig,
      overrides: [
        "training.earlyStopping.patience=4", "schedule.kind=step",
        "schedule.stepSize=10",
      ])
    XCTAssertEqual(c.training.earlyStopping, .init(patience: 4, minDelta: 0))
    XCTAssertEqual(c.schedule.kind, .step)
    XCTAssertEqual(c.schedule.stepSize, 10)
  }

  func testOverrideBelowAKindShorthandExpandsIt() throws {
    let c = try parseConfig(config(#""loss": "huber""#), overrides: ["loss.delta=2"])
    XCTAssertEqual(c.loss, LossConfig(kind: .huber, delta: 2, l2: 0))
  }

  func testOverrideIndexesIntoArrays() throws {
    let c = try parseConfig(
      config(#""optimizer": {"betas": [0.9, 0.99]}"#), overrides: ["optimizer.betas.1=0.9999"])
    XCTAssertEqual(c.optimizer.beta2, 0.9999)
    let bracketed = try parseConfig(
      config(#""optimizer": {"betas": [0.9, 0.999]}"#), overrides: ["optimizer.betas[0]=0.8"])
    XCTAssertEqual([bracketed.optimizer.beta1, bracketed.optimizer.beta2], [0.8, 0.999])
  }

  func testLaterOverrideWins() throws {
    let c = try parseConfig(minimalConfig, overrides: ["training.epochs=3", "training.epochs=4"])
    XCTAssertEqual(c.training.epochs, 4)
  }

  func testInvalidOverrideValueNamesTheArgument() {
    let error = assertConfigError(
      minimalConfig, overrides: ["optimizer.lr=-1"],
      "--set optimizer.lr=-1: optimizer.lr: expected a number > 0, found -1")
    XCTAssertEqual(error?.override, "optimizer.lr=-1")
    XCTAssertNil(error?.line)
    assertConfigError(
      minimalConfig, overrides: ["training.epochs=many"],
      "--set training.epochs=many: training.epochs: expected an integer ≥ 1, found \"many\"")
  }

  func testMisspeltOverrideKeyGetsASuggestion() {
    assertConfigError(
      minimalConfig, overrides: ["optimiser.lr=0.1"],
      "--set optimiser.lr=0.1: unknown key `optimiser`; did you mean `optimizer`?")
    assertConfigError(
      minimalConfig, overrides: ["training.epoch=3"],
      "--set training.epoch=3: unknown key `training.epoch`; did you mean `training.epochs`?")
  }

  func testErrorsInTheFileStillPointAtTheFile() {
    assertConfigError(
      config(#""optimizer": {"lr": 0.1, "eps": -1}"#), overrides: ["optimizer.lr=0.2"],
      "cfg.json:1:89: optimizer.eps: expected a number > 0, found -1")
  }

  func testMalformedOverrides() {
    assertConfigError(
      minimalConfig, overrides: ["optimizer.lr"],
      "--set optimizer.lr: expected `key.path=value`")
    assertConfigError(
      minimalConfig, overrides: ["optimizer..lr=1"],
      "--set optimizer..lr=1: expected `key.path=value` with a key path like `optimizer.lr`")
    assertConfigError(
      config(#""training": {"epochs": 3}"#), overrides: ["training.epochs.x=1"],
      "--set training.epochs.x=1: cannot set a key inside `training.epochs`: it is 3, not an "
        + "object")
    // Where the path is new, the objects are created and the value is checked as usual.
    assertConfigError(
      minimalConfig, overrides: ["training.epochs.x=1"],
      "--set training.epochs.x=1: training.epochs: expected an integer ≥ 1, found an object")
    assertConfigError(
      config(#""optimizer": {"betas": [0.9, 0.99]}"#), overrides: ["optimizer.betas.2=0.5"],
      "--set optimizer.betas.2=0.5: `optimizer.betas` is an array of 2; `2` is not an index in "
        + "0..<2")
    // An index into an array the config leaves at its default: nothing to index.
    assertConfigError(
      minimalConfig, overrides: ["optimizer.betas[1]=0.99"],
      "--set optimizer.betas[1]=0.99: `optimizer.betas` is not in the config, so `[1]` has "
        + "nothing to index; set the whole array, e.g. `optimizer.betas=[...]`")
  }
}
