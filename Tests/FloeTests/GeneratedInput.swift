import Floe
import Foundation
import XCTest

extension XCTestCase {
  /// A `floe gen` file in a scratch folder removed after the test, written by this process
  /// as a world of one. Returns the folder and the file's path.
  func generatedInput(
    shape: [Int], chunks: [Int]? = nil, seed: UInt64 = 0, fillFraction: Double = 0.01
  ) throws -> (directory: URL, path: String) {
    let world = try MPI.initialize()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "floe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("tas.nc").path
    try SyntheticDataset(shape: shape, chunks: chunks, seed: seed, fillFraction: fillFraction)
      .write(to: path, communicator: world, overwrite: false)
    return (directory, path)
  }
}
