import Training
import XCTest

final class ConfigDefaultsTests: XCTestCase {
  func testMinimalConfigGetsEveryDefault() throws {
    let c = try parseConfig(minimalConfig)
    XCTAssertEqual(c.version, 1)
    XCTAssertEqual(c.name, "cfg")
    XCTAssertEqual(c.data.path, "/project/configs/data/linear.csv")
    XCTAssertEqual(c.data.format, .csv)
    XCTAssertNil(c.data.features)
    XCTAssertEqual(c.data.targets, ["y"])
    XCTAssertNil(c.data.hdf5)
    XCTAssertEqual(c.data.validation, .fraction(0.2))
    XCTAssertTrue(c.data.shuffle)
    XCTAssertTrue(c.data.standardize)
    XCTAssertEqual(c.data.delimiter, ",")
    XCTAssertTrue(c.data.header)
    XCTAssertEqual(c.data.missing, .error)
    XCTAssertEqual(
      c.model, ModelConfig(kind: .linear, bias: true, degree: 1, interactionOnly: false))
    XCTAssertEqual(c.loss, LossConfig(kind: .mse, delta: 1, l2: 0))
    // Since issue 12 the default optimizer is Nesterov momentum at the design's rate and
    // momentum, full-batch, with a budget the tolerance usually ends.
    XCTAssertEqual(c.optimizer.kind, .momentum)
    XCTAssertTrue(c.optimizer.autoLR)
    XCTAssertTrue(c.optimizer.autoMomentum)
    XCTAssertTrue(c.optimizer.nesterov)
    XCTAssertEqual(c.optimizer.dampening, 0)
    XCTAssertEqual(c.optimizer.weightDecay, 0)
    XCTAssertEqual(c.schedule.kind, .constant)
    XCTAssertEqual(c.schedule.warmupSteps, 0)
    XCTAssertEqual(c.training.epochs, 10_000)
    XCTAssertEqual(c.training.batchSize, TrainingOptions.allRows)
    XCTAssertEqual(c.training.microBatchSize, 65_536)
    XCTAssertEqual(c.training.tolerance, 1e-4)
    XCTAssertFalse(c.training.requireConvergence)
    XCTAssertEqual(c.training.seed, 0)
    XCTAssertNil(c.training.clipNorm)
    XCTAssertNil(c.training.clipValue)
    XCTAssertNil(c.training.earlyStopping)
    XCTAssertEqual(c.output.dir, "/project/configs/runs/cfg")
    XCTAssertEqual(c.output.checkpointEvery, .init(steps: nil, epochs: nil, seconds: 10))
    XCTAssertEqual(c.output.keepLast, 3)
  }

  /// An `optimizer` section keeps the earlier defaults: Adam without a kind, PyTorch's rates.
  func testAnOptimizerSectionKeepsPyTorchDefaults() throws {
    let adam = try parseConfig(config(#""optimizer": {}"#))
    XCTAssertEqual(adam.optimizer.kind, .adam)
    XCTAssertEqual(adam.optimizer.lr, 0.001)
    XCTAssertFalse(adam.optimizer.autoLR)
    XCTAssertEqual([adam.optimizer.beta1, adam.optimizer.beta2, adam.optimizer.eps], [0.9, 0.999, 1e-8])
    XCTAssertFalse(adam.optimizer.amsgrad)
    let sgd = try parseConfig(config(#""optimizer": "sgd""#))
    XCTAssertEqual([sgd.optimizer.lr, sgd.optimizer.momentum], [0.01, 0])
    XCTAssertFalse(sgd.optimizer.nesterov)
    let auto = try parseConfig(config(#""optimizer": {"kind": "sgd", "lr": "auto", "momentum": "auto", "nesterov": true}"#))
    XCTAssertTrue(auto.optimizer.autoLR && auto.optimizer.autoMomentum)
    XCTAssertTrue(auto.renderedJSON().contains(#""lr": "auto""#), auto.renderedJSON())
    XCTAssertEqual(try parseConfig(auto.renderedJSON()), auto)
    // A section of SGD options alone refines the default rather than switching to Adam.
    let refined = try parseConfig(config(#""optimizer": {"momentum": 0.99}"#))
    XCTAssertEqual(refined.optimizer.kind, .momentum)
    XCTAssertEqual(refined.optimizer.momentum, 0.99)
    XCTAssertFalse(refined.optimizer.autoMomentum)
    XCTAssertTrue(refined.optimizer.autoLR && refined.optimizer.nesterov)
    XCTAssertEqual(try parseConfig(refined.renderedJSON()), refined)
    let batches = try parseConfig(config(#""training": {"batchSize": 32}"#))
    XCTAssertEqual([batches.training.epochs, batches.training.microBatchSize], [100, 32])
  }

  func testRenderedConfigHasEveryDefaultWithSortedKeys() throws {
    let rendered = try parseConfig(minimalConfig).renderedJSON()
    XCTAssertEqual(
      rendered,
      """
      {
        "data": {
          "decimal": ".",
          "delimiter": ",",
          "exclude": [],
          "features": null,
          "format": "csv",
          "header": true,
          "missing": "error",
          "path": "/project/configs/data/linear.csv",
          "shuffle": true,
          "standardize": true,
          "targets": ["y"],
          "validation": {
            "fraction": 0.2
          }
        },
        "loss": {
          "kind": "mse",
          "l2": 0.0
        },
        "model": {
          "bias": true,
          "kind": "linear"
        },
        "name": "cfg",
        "optimizer": {
          "dampening": 0.0,
          "kind": "momentum",
          "lr": "auto",
          "momentum": "auto",
          "nesterov": true,
          "weightDecay": 0.0
        },
        "output": {
          "checkpointEvery": {
            "epochs": null,
            "seconds": 10.0,
            "steps": null
          },
          "dir": "/project/configs/runs/cfg",
          "keepLast": 3
        },
        "schedule": {
          "kind": "constant",
          "warmupSteps": 0
        },
        "training": {
          "batchSize": "all",
          "clipNorm": null,
          "clipValue": null,
          "earlyStopping": null,
          "epochs": 10000,
          "microBatchSize": 65536,
          "requireConvergence": false,
          "seed": 0,
          "tolerance": 0.0001
        },
        "version": 1
      }

      """)
  }

  /// The example from the issue, all sections given.
  static let fullExample = """
    {
      "version": 1,
      "name": "linear-demo",
      "data": {"path": "data/linear.csv", "format": "csv",
               "features": ["x0", "x1"], "targets": ["y"],
               "validation": {"fraction": 0.25}, "shuffle": false, "standardize": true,
               "delimiter": ";", "decimal": ",", "exclude": ["id", ""], "header": true,
               "missing": "drop-row"},
      "model": {"kind": "polynomial", "degree": 3, "interactionOnly": true, "bias": false},
      "loss": {"kind": "huber", "delta": 0.5, "l2": 0.01},
      "optimizer": {"kind": "adamw", "lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6,
                    "amsgrad": true},
      "schedule": {"kind": "cosine", "minLR": 0.001, "warmupSteps": 10},
      "training": {"epochs": 50, "batchSize": 256, "microBatchSize": 64, "seed": 18446744073709551615,
                   "clipNorm": 1.5, "clipValue": null,
                   "earlyStopping": {"patience": 7, "minDelta": 1e-4}},
      "output": {"dir": "/tmp/runs/demo", "checkpointEvery": {"steps": 100, "epochs": null},
                 "keepLast": 2}
    }
    """

  func testFullExampleReadsEveryValue() throws {
    let c = try parseConfig(Self.fullExample)
    XCTAssertEqual(c.name, "linear-demo")
    XCTAssertEqual(c.data.features, ["x0", "x1"])
    XCTAssertEqual(c.data.validation, .fraction(0.25))
    XCTAssertFalse(c.data.shuffle)
    XCTAssertEqual(c.data.delimiter, ";")
    XCTAssertEqual(c.data.decimal, ",")
    XCTAssertEqual(c.data.exclude, ["id", ""])
    XCTAssertEqual(c.data.missing, .dropRow)
    XCTAssertEqual(
      c.model, ModelConfig(kind: .polynomial, bias: false, degree: 3, interactionOnly: true))
    XCTAssertEqual(c.loss, LossConfig(kind: .huber, delta: 0.5, l2: 0.01))
    XCTAssertEqual(c.optimizer.kind, .adamw)
    XCTAssertEqual(c.optimizer.lr, 0.05)
    XCTAssertEqual(c.optimizer.weightDecay, 0.01)
    XCTAssertEqual([c.optimizer.beta1, c.optimizer.beta2, c.optimizer.eps], [0.8, 0.99, 1e-6])
    XCTAssertTrue(c.optimizer.amsgrad)
    XCTAssertEqual(c.schedule.kind, .cosine)
    XCTAssertEqual(c.schedule.minLR, 0.001)
    XCTAssertNil(c.schedule.tMax)
    XCTAssertEqual(c.schedule.warmupSteps, 10)
    XCTAssertEqual(c.training.microBatchSize, 64)
    XCTAssertEqual(c.training.seed, UInt64.max)
    XCTAssertEqual(c.training.clipNorm, 1.5)
    XCTAssertNil(c.training.clipValue)
    XCTAssertEqual(c.training.earlyStopping, .init(patience: 7, minDelta: 1e-4))
    XCTAssertEqual(c.output.dir, "/tmp/runs/demo")
    XCTAssertEqual(c.output.checkpointEvery, .init(steps: 100, epochs: nil))
    XCTAssertEqual(c.output.keepLast, 2)
  }

  func testRenderedConfigReadsBackEqual() throws {
    for text in [
      minimalConfig, Self.fullExample,
      config(#""optimizer": "momentum", "schedule": {"kind": "step", "stepSize": 30}"#),
      config(#""optimizer": {"kind": "sgd", "nesterov": true, "momentum": 0.5}, "loss": "mae""#),
      config(
        #""schedule": {"kind": "plateau", "patience": 2}, "output": {"checkpointEvery": null}"#),
      config(#""schedule": {"kind": "exponential", "gamma": 0.99}"#),
      #"{"data": {"path": "d.h5", "validation": {"path": "v.h5"}}}"#,
    ] {
      let c = try parseConfig(text)
      XCTAssertEqual(try parseConfig(c.renderedJSON()), c, text)
    }
  }

  func testKindAloneIsShortForTheObjectWithDefaults() throws {
    let c = try parseConfig(
      config(#""model": "polynomial", "loss": "huber", "optimizer": "sgd", "schedule": "constant""#)
    )
    XCTAssertEqual(
      c.model, ModelConfig(kind: .polynomial, bias: true, degree: 2, interactionOnly: false))
    XCTAssertEqual(c.loss, LossConfig(kind: .huber, delta: 1, l2: 0))
    XCTAssertEqual(c.optimizer.kind, .sgd)
    XCTAssertEqual(c.optimizer.lr, 0.01)
    XCTAssertEqual(c.optimizer.momentum, 0)
  }

  func testMomentumKindIsSGDWithMomentumByDefault() throws {
    let c = try parseConfig(config(#""optimizer": {"kind": "momentum"}"#))
    XCTAssertEqual(c.optimizer.kind, .momentum)
    XCTAssertTrue(c.optimizer.isSGDFamily)
    XCTAssertEqual(c.optimizer.momentum, 0.9)
    XCTAssertEqual(c.optimizer.dampening, 0)
    XCTAssertFalse(c.optimizer.nesterov)
  }

  func testFormatIsInferredFromTheExtension() throws {
    let h5 = try parseConfig(#"{"data": {"path": "data/set.H5"}}"#)
    XCTAssertEqual(h5.data.format, .hdf5)
    XCTAssertEqual(h5.data.hdf5, .init(features: "/X", targets: "/y"))
    XCTAssertNil(h5.data.targets)
    let tsv = try parseConfig(#"{"data": {"path": "t.tsv", "targets": ["y"]}}"#)
    XCTAssertEqual(tsv.data.format, .csv)
    XCTAssertEqual(tsv.data.delimiter, "\t")
    let explicit = try parseConfig(
      #"{"data": {"path": "t.data", "format": "csv", "targets": ["y"]}}"#)
    XCTAssertEqual(explicit.data.format, .csv)
  }

  func testIntegersMayBeWrittenAsIntegralNumbers() throws {
    let c = try parseConfig(config(#""training": {"epochs": 5.0, "batchSize": 1e2}"#))
    XCTAssertEqual(c.training.epochs, 5)
    XCTAssertEqual(c.training.batchSize, 100)
  }

  func testRenderingKeepsOnlyTheKeysOfTheChosenKinds() throws {
    let c = try parseConfig(
      #"{"data": {"path": "d.h5", "hdf5": {"features": "/inputs"}, "validation": {"path": "v.h5"}}, "#
        + #""model": {"kind": "polynomial", "degree": 3}, "loss": {"kind": "huber", "delta": 2}, "#
        + #""optimizer": {"kind": "sgd", "momentum": 0.5, "nesterov": true}, "#
        + #""schedule": {"kind": "step", "stepSize": 100, "warmupSteps": 5}}"#)
    let rendered = c.renderedJSON()
    let start = rendered.startIndex
    let end = rendered.range(of: "  \"name\"")!.lowerBound
    XCTAssertEqual(
      String(rendered[start..<end]),
      """
      {
        "data": {
          "exclude": [],
          "features": null,
          "format": "hdf5",
          "hdf5": {
            "features": "/inputs",
            "targets": "/y"
          },
          "missing": "error",
          "path": "/project/configs/d.h5",
          "shuffle": true,
          "standardize": true,
          "stream": false,
          "targets": null,
          "validation": {
            "path": "/project/configs/v.h5"
          }
        },
        "loss": {
          "delta": 2.0,
          "kind": "huber",
          "l2": 0.0
        },
        "model": {
          "bias": true,
          "degree": 3,
          "interactionOnly": false,
          "kind": "polynomial"
        },

      """)
    XCTAssertTrue(
      rendered.contains(
        """
          "optimizer": {
            "dampening": 0.0,
            "kind": "sgd",
            "lr": 0.01,
            "momentum": 0.5,
            "nesterov": true,
            "weightDecay": 0.0
          },
          "output": {
        """), rendered)
    XCTAssertTrue(
      rendered.contains(
        """
          "schedule": {
            "gamma": 0.1,
            "kind": "step",
            "stepSize": 100,
            "warmupSteps": 5
          },
        """), rendered)
  }
}
