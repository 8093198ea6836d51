import FloeHDF5
import FloeKernels
import Foundation
import XCTest

/// `floe gen` writes the same bytes on any number of ranks, and they are the serial field.
final class GenTests: ScratchTestCase {
  /// The field computed serially, in one piece: the reference for every rank count.
  func serialReference(_ t: Int, _ y: Int, _ x: Int, seed: UInt64, fill: Double) -> [Float] {
    let field = SyntheticField(
      times: t, latitudes: y, longitudes: x, seed: seed, fillFraction: fill)
    var values = [Float](repeating: 0, count: t * y * x)
    values.withUnsafeMutableBufferPointer { field.fill($0, firstTime: 0, steps: t) }
    return values
  }

  func testSameBytesForAnyRankCountWithEdgeChunksAndDeflate() throws {
    let reference = serialReference(37, 7, 11, seed: 12, fill: 0.05)
    for deflate in [nil, 3] as [Int?] {
      for np in MPIRun.ranks {
        let path = directory.appendingPathComponent("gen-\(np)-\(deflate ?? 0).nc").path
        var arguments = [
          "gen", "-o", path, "--shape", "37,7,11", "--chunks", "5,4,6", "--seed", "12",
          "--fill-fraction", "0.05",
        ]
        if let deflate { arguments += ["--deflate", String(deflate)] }
        let result = try MPIRun.mpirun(np, "floe", arguments)
        XCTAssertSucceeded(result, "floe gen on \(np) ranks")
        XCTAssertEqual(
          result.stdout.components(separatedBy: "floe gen: wrote").count, 2, result.stdout)
        let file = try File.open(path)
        let tas = try file.dataset("tas")
        XCTAssertEqual(try tas.readAll(Float.self), reference, "np=\(np) deflate=\(deflate ?? 0)")
        XCTAssertEqual(tas.chunkShape, [5, 4, 6])
        XCTAssertEqual(tas.filters.map(\.name), deflate == nil ? [] : ["shuffle", "deflate"])
        XCTAssertEqual(try tas.dimensionNames(), ["time", "lat", "lon"])
        XCTAssertEqual(
          try file.dataset("lat").readAll(Double.self), (0..<7).map { -90 + 30 * Double($0) })
        XCTAssertEqual(try file.dataset("time").readAll(Double.self), (0..<37).map(Double.init))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".floe-partial"))
      }
    }
  }

  func testWithoutMpirunAndReadByNcdump() throws {
    let path = directory.appendingPathComponent("alone.nc").path
    let result = try MPIRun.alone("floe", ["gen", "-o", path, "--shape", "5,3,4"])
    XCTAssertSucceeded(result, "floe gen without mpirun")
    XCTAssertEqual(
      try File.open(path).dataset("tas").readAll(Float.self),
      serialReference(5, 3, 4, seed: 0, fill: 0.01))
    let ncdump = try MPIRun.run("/usr/bin/env", ["ncdump", "-h", path], timeout: 30)
    XCTAssertSucceeded(ncdump, "ncdump -h")
    for expected in [
      "time = UNLIMITED ; // (5 currently)", "lat = 3 ;", "lon = 4 ;",
      "float tas(time, lat, lon) ;",
      "tas:_FillValue = 1.e+20f ;", "time:calendar = \"standard\" ;",
      "lat:units = \"degrees_north\" ;",
      ":Conventions = \"CF-1.8\" ;",
    ] {
      XCTAssertTrue(ncdump.stdout.contains(expected), "missing \(expected) in\n\(ncdump.stdout)")
    }
  }

  func testRefusesAnExistingOutputAndBadRequestsOnEveryRank() throws {
    let path = directory.appendingPathComponent("exists.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(2, "floe", ["gen", "-o", path, "--shape", "4,3,3"]), "first gen")
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let again = try MPIRun.mpirun(
      3, "floe", ["gen", "-o", path, "--shape", "4,3,3", "--seed", "9"])
    XCTAssertFalse(again.timedOut)
    XCTAssertEqual(again.status, 1, again.stderr)
    XCTAssertEqual(again.errorLines.count, 1, again.stderr)
    XCTAssertTrue(
      again.errorLines.first?.contains("\(path): the output exists already") ?? false, again.stderr)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)

    let replaced = try MPIRun.mpirun(
      3, "floe", ["gen", "-o", path, "--shape", "4,3,3", "--seed", "9", "--overwrite"])
    XCTAssertSucceeded(replaced, "gen --overwrite")
    XCTAssertEqual(
      try File.open(path).dataset("tas").readAll(Float.self),
      serialReference(4, 3, 3, seed: 9, fill: 0.01))

    let badChunks = directory.appendingPathComponent("bad.nc").path
    let bad = try MPIRun.mpirun(
      3, "floe", ["gen", "-o", badChunks, "--shape", "4,3,3", "--chunks", "5,3,3"])
    XCTAssertFalse(bad.timedOut)
    XCTAssertEqual(bad.status, 1)
    XCTAssertEqual(bad.errorLines.count, 1, bad.stderr)
    XCTAssertTrue(
      bad.stderr.contains("--chunks [5, 3, 3] is larger than --shape [4, 3, 3]"), bad.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: badChunks))
    XCTAssertFalse(FileManager.default.fileExists(atPath: badChunks + ".floe-partial"))
  }

  func testUsageErrorsArePrintedOnce() throws {
    let result = try MPIRun.mpirun(3, "floe", ["gen", "--shape", "4,3"])
    XCTAssertFalse(result.timedOut)
    XCTAssertNotEqual(result.status, 0)
    // Without its "Error: " prefix: on the simulated cluster, Open MPI's TCP warning from a
    // peer whose connection the exiting rank reset was once printed into the middle of it.
    XCTAssertEqual(
      result.stderr.components(separatedBy: "Missing expected argument '--output <output>'")
        .count, 2, result.stderr)
    let help = try MPIRun.mpirun(3, "floe", ["gen", "--help"])
    XCTAssertSucceeded(help, "floe gen --help")
    XCTAssertEqual(help.stdout.components(separatedBy: "USAGE: floe gen").count, 2, help.stdout)
    let version = try MPIRun.mpirun(3, "floe", ["--version"])
    XCTAssertSucceeded(version, "floe --version")
    XCTAssertEqual(version.stdout, "floe 0.1.0\n")
  }
}
