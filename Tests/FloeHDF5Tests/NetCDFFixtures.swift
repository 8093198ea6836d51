import Foundation
import XCTest

/// netCDF-4 files made at test time by netCDF-C's own `ncgen` from the CDL in `CDL/`,
/// so that Floe is tested against files it did not write.
enum NetCDFFixtures {
  /// A fresh folder for one test's files.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("floe-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Runs `ncgen -k nc4` on `CDL/NAME.cdl` and returns the path of the netCDF-4 file.
  static func make(_ name: String, in directory: URL) throws -> String {
    guard let cdl = Bundle.module.url(forResource: "CDL/\(name)", withExtension: "cdl") else {
      throw FixtureError("no CDL/\(name).cdl in the test bundle")
    }
    let output = directory.appendingPathComponent("\(name).nc").path
    try run("ncgen", ["-k", "nc4", "-o", output, cdl.path])
    return output
  }

  /// Runs a tool from PATH and returns its standard output; fails on a non-zero exit.
  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw FixtureError(
        "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
          + String(decoding: errors, as: UTF8.self)
          + " (scripts/bootstrap.sh installs netcdf-bin and hdf5-tools)")
    }
    return String(decoding: data, as: UTF8.self)
  }
}

struct FixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A test case with a fresh folder for its files, removed afterwards.
class FixtureTestCase: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = try NetCDFFixtures.temporaryDirectory()
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }
}
