// swift-tools-version:6.0
import PackageDescription

/// For the modules a training step runs through: release builds skip the run-time checks of
/// exclusive access to class properties (`swift_beginAccess`, about 7 % of a small step's
/// overhead in `perf`). Debug builds, which the tests use, keep them.
let hotPath: [SwiftSetting] = [
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
  name: "fit",
  products: [
    .executable(name: "fit", targets: ["fit"]),
    .executable(name: "fit-fuzz", targets: ["fit-fuzz"]),
    .library(name: "Autograd", targets: ["Autograd"]),
    .library(name: "Optim", targets: ["Optim"]),
    .library(name: "DataIO", targets: ["DataIO"]),
    .library(name: "Models", targets: ["Models"]),
    .library(name: "Training", targets: ["Training"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // Public libraries.
    .target(
      name: "Autograd", dependencies: ["CBLAS", "CGradMode", "CKernels", "SeededRandom"],
      swiftSettings: hotPath),
    .target(name: "SeededRandom"),
    .target(name: "Models", dependencies: ["Autograd"]),
    .target(name: "Optim", dependencies: ["Autograd", "CKernels"], swiftSettings: hotPath),
    .target(name: "DataIO", dependencies: ["CHDF5", "SeededRandom"], swiftSettings: hotPath),
    .target(
      name: "Training", dependencies: ["Autograd", "Models", "Optim", "DataIO", "CBLAS"],
      swiftSettings: hotPath),
    .executableTarget(
      name: "fit",
      dependencies: [
        "Training", "CSystem",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "fit-fuzz", dependencies: ["DataIO", "Training", "SeededRandom"], path: "Sources/Fuzz"),
    .executableTarget(
      name: "fit-bench", dependencies: ["Autograd", "Optim", "DataIO", "Models", "Training"],
      path: "Sources/Benchmarks"),

    // Implementation details: a C kernel compiled per vector width, a C thread-local, the one
    // Linux call Swift cannot make (prctl), and the C libraries from Debian.
    .target(name: "CGradMode"),
    .target(name: "CSystem"),
    .target(
      name: "CKernels",
      cSettings: [.unsafeFlags(["-fno-math-errno", "-ffp-contract=off", "-O3"])]),
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5",
      providers: [.apt(["libhdf5-dev"])]),

    // Tests.
    .target(name: "TestSupport", dependencies: ["Autograd"], path: "Tests/TestSupport"),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TestSupport"]),
    .testTarget(name: "OptimTests", dependencies: ["Optim", "Autograd", "TestSupport"]),
    .testTarget(name: "DataIOTests", dependencies: ["DataIO", "TestSupport"]),
    .testTarget(name: "ModelsTests", dependencies: ["Models", "Autograd", "TestSupport"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "Models", "Optim", "DataIO", "Autograd", "SeededRandom", "TestSupport",
      ]),
    .testTarget(name: "FitTests", dependencies: ["TestSupport", "fit", "fit-fuzz"]),
  ]
)
