import Floe
import FloeHDF5
import FloeMPI
import Foundation
import XCTest

/// Files Floe writes are netCDF-4 that netCDF-C's `ncdump` reads, and read back the same.
final class WriteNetCDFTests: FixtureTestCase {
  func testRoundTripThroughFloeAndNcdump() throws {
    let path = directory.appendingPathComponent("round.nc").path
    do {
      let file = try File.create(path)
      let time = try file.createDimension("time", length: 3, unlimited: true, coordinate: .float64)
      try time.writeAll([0.5, 1.5, 2.5] as [Double])
      try time.setAttribute("units", .text("days since 2000-01-01"))
      try file.createDimension("station", length: 4)  // no coordinate variable
      let obs = try file.createVariable(
        "obs", type: .int16, dimensions: ["time", "station"],
        options: VariableOptions(chunkShape: [2, 3], deflateLevel: 2, fillValue: .int16([-1])))
      try obs.writeAll((0..<12).map(Int16.init))
      try obs.setAttribute("scale_factor", .numbers(.float64([0.5])))
      try obs.setAttribute("flags", .numbers(.uint8([1, 2, 4])))
      try obs.setAttribute("big", .numbers(.int64([-9_223_372_036_854_775_806])))
      try obs.setAttribute("names", .texts(["a", "bé"]))
      try file.setAttribute("history", .text("made by a test"))
    }

    let file = try File.open(path)
    let info = try file.describe()
    XCTAssertEqual(
      info.dimensions,
      [
        Dimension(name: "time", length: 3, isUnlimited: true),
        Dimension(name: "station", length: 4),
      ])
    XCTAssertEqual(info.variables.map(\.name), ["time", "obs"])
    let obs = try file.dataset("obs")
    XCTAssertEqual(try obs.dimensionNames(), ["time", "station"])
    XCTAssertEqual(try obs.readAll(Int16.self), (0..<12).map(Int16.init))
    XCTAssertEqual(obs.chunkShape, [2, 3])
    XCTAssertEqual(obs.filters.map(\.name), ["shuffle", "deflate"])
    XCTAssertEqual(obs.fillValue, .int16([-1]))
    XCTAssertEqual(try obs.attribute("_FillValue"), .numbers(.int16([-1])))
    XCTAssertEqual(try obs.attribute("flags"), .numbers(.uint8([1, 2, 4])))
    XCTAssertEqual(try obs.attribute("big"), .numbers(.int64([-9_223_372_036_854_775_806])))
    XCTAssertEqual(try obs.attribute("names"), .texts(["a", "bé"]))
    XCTAssertEqual(try file.attribute("history"), .text("made by a test"))

    // netCDF-C reads it as the same netCDF file.
    let header = try NetCDFFixtures.run("ncdump", ["-h", path])
    XCTAssertTrue(header.contains("time = UNLIMITED ; // (3 currently)"), header)
    XCTAssertTrue(header.contains("station = 4 ;"), header)
    XCTAssertTrue(header.contains("short obs(time, station) ;"), header)
    XCTAssertTrue(header.contains("obs:_FillValue = -1s ;"), header)
    XCTAssertTrue(header.contains("obs:big = -9223372036854775806LL ;"), header)
    XCTAssertFalse(header.contains("station(station)"), header)
    let data = try NetCDFFixtures.run("ncdump", ["-v", "obs", path])
    XCTAssertTrue(data.contains("obs =\n  0, 1, 2, 3,\n  4, 5, 6, 7,\n  8, 9, 10, 11 ;"), data)
  }

  func testCreateRefusesAnExistingFileUnlessOverwriting() throws {
    let path = directory.appendingPathComponent("exists.nc").path
    _ = try File.create(path)
    XCTAssertThrowsError(try File.create(path).path) { error in
      XCTAssertEqual((error as? HDF5Error)?.code, .createFailed)
      XCTAssertTrue(String(describing: error).contains("exists already"), "\(error)")
    }
    XCTAssertNoThrow(try File.create(path, overwrite: true).path)
  }

  func testParallelOpenOnAWorldOfOneReadsTheSameValues() throws {
    let world = try MPI.initialize()
    let path = directory.appendingPathComponent("gen.nc").path
    let dataset = SyntheticDataset(
      shape: [10, 5, 7], chunks: [3, 2, 7], seed: 3, fillFraction: 0.2)
    try dataset.write(to: path, communicator: world, overwrite: false)
    let serial: [Float] = try File.open(path).dataset("tas").readAll()
    let parallel = try File.open(path, communicator: world)
    let tas = try parallel.dataset("tas")
    let collective: [Float] = try tas.read(
      start: [0, 0, 0], count: [10, 5, 7], transfer: .collective)
    XCTAssertEqual(collective, serial)
    let independent: [Float] = try tas.read(start: [2, 1, 3], count: [4, 3, 2])
    var expected: [Float] = []
    for t in 2..<6 {
      for j in 1..<4 { for i in 3..<5 { expected.append(serial[(t * 5 + j) * 7 + i]) } }
    }
    XCTAssertEqual(independent, expected)
  }
}
