import FloeHDF5
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

  /// A netCDF-4 file from CDL whose variable `v` holds `value(index)` at each flat index,
  /// in chunks of `chunks`, or contiguous if nil.
  func makeFile(
    _ name: String, type: String, shape: [Int], chunks: [Int]?, filters: String,
    value: (Int) -> Double
  ) throws -> String {
    let names = shape.indices.map { "d\($0)" }
    let data = (0..<shape.reduce(1, *)).map { "\(value($0))" }.joined(separator: ", ")
    let storage =
      chunks.map {
        "\t\tv:_Storage = \"chunked\" ;\n\t\tv:_ChunkSizes = "
          + "\($0.map(String.init).joined(separator: ", ")) ;"
      } ?? "\t\tv:_Storage = \"contiguous\" ;"
    let cdl = """
      netcdf \(name) {
      dimensions:
      \(zip(names, shape).map { "\t\($0) = \($1) ;" }.joined(separator: "\n"))
      variables:
      \t\(type) v(\(names.joined(separator: ", "))) ;
      \(storage)
      \(filters)
      data:
       v = \(data) ;
      }
      """
    let cdlPath = directory.appendingPathComponent("\(name).cdl").path
    try cdl.write(toFile: cdlPath, atomically: true, encoding: .utf8)
    let path = directory.appendingPathComponent("\(name).nc").path
    try NetCDFFixtures.run("ncgen", ["-k", "nc4", "-o", path, cdlPath])
    return path
  }

  /// Every block of `shape` (every start and count on every axis).
  func everyBlock(of shape: [Int]) -> [(start: [Int], count: [Int])] {
    var blocks: [([Int], [Int])] = [([], [])]
    for extent in shape {
      let ranges = (0..<extent).flatMap { s in (1...(extent - s)).map { (s, $0) } }
      blocks = blocks.flatMap { b in ranges.map { (b.0 + [$0.0], b.1 + [$0.1]) } }
    }
    return blocks
  }

  /// The flat index in `shape` of the element at `block index i` of the block at `start`.
  func flatIndex(_ i: Int, start: [Int], count: [Int], shape: [Int]) -> Int {
    var rest = i
    var coordinate = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() {
      coordinate[axis] = start[axis] + rest % count[axis]
      rest /= count[axis]
    }
    return coordinate.indices.reduce(0) { $0 * shape[$1] + coordinate[$1] }
  }

  /// A float32 variable `v(t, x)` of `shape` in chunks of `chunk` steps whose first chunk
  /// alone is written, with 0, 1, 2, ...; the other chunks are never written.
  func makeFileWithFirstChunkOnly(
    _ name: String, shape: [Int], chunk: Int, deflateLevel: Int? = nil,
    fillValue: NumericArray? = nil
  ) throws -> String {
    let path = directory.appendingPathComponent(name).path
    let file = try File.create(path)
    try file.createDimension("t", length: shape[0])
    try file.createDimension("x", length: shape[1])
    let v = try file.createVariable(
      "v", type: .float32, dimensions: ["t", "x"],
      options: VariableOptions(
        chunkShape: [chunk, shape[1]], deflateLevel: deflateLevel, fillValue: fillValue))
    let firstChunk = (0..<(chunk * shape[1])).map(Float.init)
    try firstChunk.withUnsafeBufferPointer {
      try v.write($0, start: [0, 0], count: [chunk, shape[1]])
    }
    return path
  }
}
