import Floe
import FloeHDF5
import Foundation
import XCTest

/// `--sel` and `--isel`: the part reduced, checked against a serial reference.
final class SelectionTests: XCTestCase {
  func testParsing() {
    XCTAssertEqual(Selection(isel: "lat=2:5"), Selection(dimension: "lat", bounds: .index(2, 5)))
    XCTAssertEqual(
      Selection(isel: "time=:10"), Selection(dimension: "time", bounds: .index(nil, 10)))
    XCTAssertNil(Selection(isel: "lat=a:5"))
    XCTAssertEqual(
      Selection(sel: "time=2000-03-01:2000-05-31"),
      Selection(dimension: "time", bounds: .value("2000-03-01", "2000-05-31")))
    XCTAssertEqual(
      Selection(sel: "time=2000-03-01T06:00..2000-05-31"),
      Selection(dimension: "time", bounds: .value("2000-03-01T06:00", "2000-05-31")))
    XCTAssertEqual(
      Selection(sel: "lon=100:"), Selection(dimension: "lon", bounds: .value("100", nil)))
    XCTAssertNil(Selection(sel: "lon"))
    XCTAssertNil(Selection(sel: "time=2000-01-01T00:00:2000-02-01"))
  }

  func testABoxOfTimeLatitudeAndLongitude() throws {
    let world = try MPI.initialize()
    let (directory, input) = try generatedInput(
      shape: [120, 19, 36], chunks: [7, 5, 36], seed: 6, fillFraction: 0.05)
    let data: [Float] = try File.open(input).dataset("tas").readAll()

    var request = ReduceRequest(
      input: input, variable: "tas", statistic: .mean,
      output: directory.appendingPathComponent("box.nc").path)
    // Days 31..59 (February 2000), latitudes 2..4 (-70, -60, -50), longitudes 100..200 (both ends).
    request.selections = [
      Selection(sel: "time=2000-02-01:2000-02-29")!, Selection(isel: "lat=2:5")!,
      Selection(sel: "lon=100:200")!,
    ]
    request.writeFloat64 = true
    _ = try Reduction.run(request, world: world) { _ in }
    let output = try File.open(request.output)
    let tas = try output.dataset("tas")
    XCTAssertEqual(tas.shape, [3, 11])
    XCTAssertEqual(tas.dataType, .numeric(.float64))
    XCTAssertEqual(try output.dataset("lat").readAll(Double.self), [-70, -60, -50])
    XCTAssertEqual(
      try output.dataset("lon").readAll(Double.self), (10...20).map { Double($0) * 10 })
    XCTAssertEqual(
      try output.dataset("lat_bnds").readAll(Double.self), [-75, -65, -65, -55, -55, -45])
    let got: [Double] = try tas.readAll()
    for (j, lat) in (2..<5).enumerated() {
      for (i, lon) in (10...20).enumerated() {
        let values = (31...59).map { data[($0 * 19 + lat) * 36 + lon] }.filter { $0 != 1e20 }.map(
          Double.init)
        XCTAssertEqual(got[j * 11 + i], values.reduce(0, +) / Double(values.count), accuracy: 1e-9)
      }
    }
  }

  func testSelectionsThatChooseNothingAreErrors() throws {
    let world = try MPI.initialize()
    let (directory, input) = try generatedInput(shape: [10, 5, 8])
    for (selection, message) in [
      (
        "time=2020-01-01:2020-12-31",
        "selects nothing: 'time' runs from 0.0 to 9.0 (2000-01-01 00:00 to 2000-01-10 00:00)"
      ),
      ("lat=95:100", "selects nothing: 'lat' runs from -90.0 to 90.0"),
      ("lat=north:south", "'north' is not a number"),
    ] {
      var request = ReduceRequest(
        input: input, variable: "tas", statistic: .mean,
        output: directory.appendingPathComponent("x.nc").path)
      request.selections = [Selection(sel: selection)!]
      XCTAssertThrowsError(try Reduction.run(request, world: world) { _ in }) { error in
        XCTAssertTrue(String(describing: error).contains(message), "\(selection): \(error)")
      }
    }
    var request = ReduceRequest(
      input: input, variable: "tas", statistic: .mean,
      output: directory.appendingPathComponent("x.nc").path)
    request.selections = [Selection(isel: "lon=5:20")!]
    XCTAssertThrowsError(try Reduction.run(request, world: world) { _ in }) { error in
      XCTAssertTrue(
        String(describing: error).contains(
          "--isel lon=5:20 selects nothing of dimension 'lon', whose indices run 0..<8"), "\(error)"
      )
    }
  }
}
