// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Floe",
  platforms: [.macOS(.v13)],
  // MARK: Public products
  products: [
    .executable(name: "floe", targets: ["floe"]),
    .library(name: "Floe", targets: ["Floe"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // Job files (`floe run JOB.yaml`), with the line of every node for errors.
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    // Rank 0's log (--log-level).
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
  ],
  targets: [
    // MARK: The command line
    .executableTarget(
      name: "floe",
      dependencies: [
        "Floe", "FloeMPI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Yams", package: "Yams"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Rank 0's planning and scheduling cost for 10^5 to 10^7 units (BENCHMARKS.md).
    .executableTarget(name: "floe-plan-benchmark", dependencies: ["FloeRuntime"]),
    // Latency and bandwidth of the exchange's messages, within and across hosts (BENCHMARKS.md).
    .executableTarget(name: "floe-exchange-benchmark", dependencies: ["FloeMPI"]),
    // The accumulate loops against memory bandwidth (BENCHMARKS.md).
    .executableTarget(
      name: "floe-kernel-benchmark", dependencies: ["FloeKernels", "FloeRuntime", "FloeHDF5"]),

    // MARK: Public Swift API
    .target(
      name: "Floe",
      dependencies: [
        "FloeRuntime", "FloeKernels", "FloeMPI", "FloeHDF5",
        .product(name: "Logging", package: "swift-log"),
      ]),

    // MARK: Implementation details
    .target(name: "FloeRuntime", dependencies: ["FloeKernels", "FloeMPI", "FloeHDF5"]),
    .target(name: "FloeKernels", dependencies: ["CFloeKernels"]),
    // The time sums with AVX2 where the processor has it (chosen at run time).
    .target(name: "CFloeKernels"),
    .target(name: "FloeMPI", dependencies: ["CMPI"]),
    .target(name: "FloeHDF5", dependencies: ["CHDF5", "FloeMPI", "CDeflate", "CFloeChunks"]),
    // HDF5's shuffle filter undone with SSE2, for the chunks FloeHDF5 decodes itself.
    .target(name: "CFloeChunks"),
    // C shims: macros and link-time globals become prefixed static inline functions.
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5-openmpi", providers: [.apt(["libhdf5-openmpi-dev"])]),
    .systemLibrary(
      name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

    // MARK: Tests
    .testTarget(name: "FloeKernelsTests", dependencies: ["FloeKernels"]),
    .testTarget(name: "FloeRuntimeTests", dependencies: ["FloeRuntime", "FloeKernels"]),
    .testTarget(name: "FloeTests", dependencies: ["Floe", "FloeHDF5"]),
    .testTarget(
      name: "FloeHDF5Tests", dependencies: ["FloeHDF5", "FloeMPI", "Floe", "CFloeChunks"],
      resources: [.copy("CDL")]),
    .testTarget(name: "EndToEndTests", dependencies: ["FloeHDF5", "FloeKernels"]),
    // Checks every collective's values; the end-to-end tests run it under mpirun -np 1...5.
    .executableTarget(name: "floe-mpi-checks", dependencies: ["FloeMPI"], path: "Tests/MPIChecks"),
  ],
  swiftLanguageModes: [.v6]
)
