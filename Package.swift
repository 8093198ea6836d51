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
  ],
  targets: [
    // MARK: The command line
    .executableTarget(
      name: "floe",
      dependencies: [
        "Floe", "FloeMPI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // MARK: Public Swift API
    .target(name: "Floe", dependencies: ["FloeRuntime", "FloeKernels", "FloeMPI", "FloeHDF5"]),

    // MARK: Implementation details
    .target(name: "FloeRuntime", dependencies: ["FloeKernels", "FloeMPI", "FloeHDF5"]),
    .target(name: "FloeKernels"),
    .target(name: "FloeMPI", dependencies: ["CMPI"]),
    .target(name: "FloeHDF5", dependencies: ["CHDF5", "FloeMPI"]),
    // C shims: macros and link-time globals become prefixed static inline functions.
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5-openmpi", providers: [.apt(["libhdf5-openmpi-dev"])]),

    // MARK: Tests

  ],
  swiftLanguageModes: [.v6]
)
