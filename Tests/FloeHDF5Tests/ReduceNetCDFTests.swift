import Floe
import FloeHDF5
import Foundation
import XCTest

/// `floe reduce`'s CF semantics on files netCDF-C wrote: axes found by their attributes,
/// packed data unpacked, valid ranges masking, cos-latitude weights. Values by hand.
final class ReduceNetCDFTests: FixtureTestCase {
  func reduce(
    _ input: String, _ variable: String, _ statistic: Statistic, over: [String]?,
    weights: WeightKind? = nil, grouping: TimeGrouping? = nil
  ) throws -> String {
    let world = try MPI.initialize()
    let output = directory.appendingPathComponent("out-\(UUID().uuidString).nc").path
    let request = ReduceRequest(
      input: input, variable: variable, statistic: statistic, over: over, output: output,
      weights: weights, grouping: grouping)
    _ = try Reduction.run(request, world: world) { _ in }
    return output
  }

  func testPackedShortsOverTimeFoundByItsAxis() throws {
    let input = try NetCDFFixtures.make("packed_unlimited", in: directory)
    // "time" is the dimension TIME, whose coordinate has axis = "T".
    let output = try reduce(input, "SST", .mean, over: ["time"])
    let records: [[Int16]] = [
      [100, 101, 102, 103, 104, 110, -32767, 112, 113, 114, 120, 121, 122, 123, 124],
      [200, 201, 202, 203, 204, 210, 211, 212, 213, 214, 220, 221, 222, -32767, 224],
      [300, 301, 302, 303, 304, 310, 311, 312, 313, 314, 320, 321, 322, 323, 324],
      [-400, -401, -402, -403, -404, -410, -411, -412, -413, -414, -420, -421, -422, -423, -424],
    ]
    // CF: mask in packed units, then value * scale_factor + add_offset (float32 attributes).
    let scale = Double(Float(0.01))
    let offset = Double(Float(273.15))
    let file = try File.open(output)
    let sst = try file.dataset("SST")
    XCTAssertEqual(sst.dataType, .numeric(.float32), "the unpacked type is scale_factor's type")
    XCTAssertEqual(try sst.dimensionNames(), ["COADSY", "COADSX"])
    let got: [Float] = try sst.readAll()
    for p in 0..<15 {
      let valid = records.map { $0[p] }.filter { $0 != -32767 }.map { Double($0) * scale + offset }
      XCTAssertEqual(
        Double(got[p]), valid.reduce(0, +) / Double(valid.count), accuracy: 1e-4, "point \(p)")
    }
    XCTAssertNil(try sst.attribute("scale_factor"))
    XCTAssertNil(try sst.attribute("valid_range"))
    XCTAssertEqual(try sst.attribute("units"), .text("K"))
    XCTAssertEqual(try sst.attribute("cell_methods"), .text("TIME: mean"))
    XCTAssertEqual(try file.dataset("COADSX").readAll(Double.self), [20, 22, 24, 26, 28])
  }

  func testLatitudeFoundByItsUnits() throws {
    let input = try NetCDFFixtures.make("packed_unlimited", in: directory)
    // COADSY has units degrees_north and no axis attribute.
    let output = try reduce(input, "SST", .max, over: ["lat"])
    let sst = try File.open(output).dataset("SST")
    XCTAssertEqual(try sst.dimensionNames(), ["TIME", "COADSX"])
    let got: [Float] = try sst.readAll()
    XCTAssertEqual(
      Double(got[0]), 120 * Double(Float(0.01)) + Double(Float(273.15)), accuracy: 1e-4)
  }

  func testValidMinAndMaxMask() throws {
    let input = try NetCDFFixtures.make("valid_range", in: directory)
    let output = try reduce(input, "v", .mean, over: nil)  // the time axis (no unlimited dimension)
    let got: [Float] = try File.open(output).dataset("v").readAll()
    XCTAssertEqual(got, [(250 + 260 + 270) / 3, (290 + 280) / 2])
    let count = try reduce(input, "v", .count, over: ["time"])
    XCTAssertEqual(try File.open(count).dataset("v").readAll(Float.self), [3, 2])
  }

  func testCoslatWeightsFromLatitudeBounds() throws {
    let input = try NetCDFFixtures.make("lat_bounds", in: directory)
    let output = try reduce(input, "v", .mean, over: ["lat", "lon"], weights: .coslat)
    // Zone areas: sin(-30) - sin(-90) = 0.5, sin(30) - sin(-30) = 1, sin(90) - sin(30) = 0.5.
    let w: [Double] = [0.5, 1, 0.5]
    let sum0: Double = w[0] * 3 + w[1] * 7 + w[2] * 11
    let step0: Double = sum0 / 4  // weights 0.5 + 0.5 + 1 + 1 + 0.5 + 0.5
    let sum1: Double = w[0] * 10 + w[1] * 70 + w[2] * 110
    let step1: Double = sum1 / 3.5  // the missing value weighs nothing: 0.5 + 1 + 1 + 0.5 + 0.5
    let v = try File.open(output).dataset("v")
    let got: [Float] = try v.readAll()
    XCTAssertEqual(Double(got[0]), step0, accuracy: 1e-6)
    XCTAssertEqual(Double(got[1]), step1, accuracy: 1e-6)
    XCTAssertEqual(try v.attribute("cell_methods"), .text("y: x: mean (area-weighted)"))
  }

  func testCoslatWeightsFromGeneratedBoundsMatchASerialReference() throws {
    let world = try MPI.initialize()
    let input = directory.appendingPathComponent("gen.nc").path
    try SyntheticDataset(shape: [5, 19, 36], chunks: [2, 7, 36], seed: 4, fillFraction: 0.2)
      .write(to: input, communicator: world, overwrite: false)
    let output = try reduce(input, "tas", .mean, over: ["lat", "lon"], weights: .coslat)
    let data: [Float] = try File.open(input).dataset("tas").readAll()
    let got: [Float] = try File.open(output).dataset("tas").readAll()
    for t in 0..<5 {
      var sum = 0.0
      var weight = 0.0
      for j in 0..<19 {
        // floe gen writes latitude bounds midway between points, clamped at the poles:
        // the weights are the zones' areas, sin(north) - sin(south).
        let centre = -90 + 10 * Double(j)
        let w = sin(min(90, centre + 5) * .pi / 180) - sin(max(-90, centre - 5) * .pi / 180)
        for i in 0..<36 where data[(t * 19 + j) * 36 + i] != 1e20 {
          sum += w * Double(data[(t * 19 + j) * 36 + i])
          weight += w
        }
      }
      XCTAssertEqual(Double(got[t]), sum / weight, accuracy: 1e-4, "step \(t)")
    }
  }

  func testMonthsFollowTheCalendar() throws {
    let input = try NetCDFFixtures.make("calendars", in: directory)
    // noleap: days 0, 1 are 27 and 28 February; days 2...5 are 1 to 4 March.
    let noLeap = try File.open(try reduce(input, "v", .mean, over: nil, grouping: .month)).dataset(
      "v")
    XCTAssertEqual(try noLeap.readAll(Float.self), [1.5, 4.5])
    // The same days in the standard calendar: 2000 is a leap year, day 2 is 29 February.
    try setAttribute(input, "time", "calendar", "standard")
    XCTAssertEqual(
      try File.open(try reduce(input, "v", .mean, over: nil, grouping: .month)).dataset("v")
        .readAll(Float.self), [2, 5])
    // 360_day: February has 30 days: days 0...3 are 27 to 30 February, days 4, 5 are 1, 2 March.
    try setAttribute(input, "time", "calendar", "360_day")
    XCTAssertEqual(
      try File.open(try reduce(input, "v", .mean, over: nil, grouping: .month)).dataset("v")
        .readAll(Float.self), [2.5, 5.5])
  }

  /// Rewrites one text attribute in place (a netCDF-C tool would do as well).
  func setAttribute(_ path: String, _ variable: String, _ name: String, _ value: String) throws {
    let file = try File.open(path, writable: true)
    try file.dataset(variable).setAttribute(name, .text(value))
  }

  func testWeightsWithoutALatitudeAreAnErrorNotEqualWeights() throws {
    let input = try NetCDFFixtures.make("deflate_4d", in: directory)
    XCTAssertThrowsError(try reduce(input, "ta", .mean, over: ["y", "x"], weights: .coslat)) {
      error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("--weights coslat needs a latitude dimension"), text)
      XCTAssertTrue(text.contains("'ta'"), text)
    }
    XCTAssertThrowsError(try reduce(input, "ta", .max, over: ["y"], weights: .coslat)) { error in
      XCTAssertTrue(
        String(describing: error).contains("--weights applies to --op mean and sum"), "\(error)")
    }
  }

  // Area weights from cell_measures: the mean over y and x is sum(a v) / sum(a) over the
  // valid values; the missing value's area does not count.
  func testAreaWeightsFromCellMeasures() throws {
    let input = try NetCDFFixtures.make("area_weights", in: directory)
    let output = try reduce(input, "measured", .mean, over: ["y", "x"], weights: .area)
    let area: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    var step0 = 0.0
    for (a, x) in zip(area, 1...9) { step0 += a * Double(x) }
    step0 /= 45
    let step1Values: [Double] = [10, 20, 30, 40, .nan, 60, 70, 80, 90]
    var weighted = 0.0
    var weights = 0.0
    for (a, x) in zip(area, step1Values) where !x.isNaN {
      weighted += a * x
      weights += a
    }
    let step1 = weighted / weights
    let v = try File.open(output).dataset("measured")
    let got: [Float] = try v.readAll()
    XCTAssertEqual(Double(got[0]), step0, accuracy: 1e-5)
    XCTAssertEqual(Double(got[1]), step1, accuracy: 1e-5)
    XCTAssertEqual(try v.attribute("cell_methods"), .text("y: x: mean (area-weighted)"))
  }

  // Without cell_measures, areas come from the bounds: R^2 (sin north - sin south) times
  // the longitude width in radians; every longitude cell here is 120 degrees, the first
  // across the date line. A weighted sum shows the areas themselves.
  func testAreaWeightsFromBoundsGiveSquareMetres() throws {
    let input = try NetCDFFixtures.make("area_weights", in: directory)
    let output = try reduce(input, "plain", .sum, over: ["y", "x"], weights: .area)
    let r = 6_371_000.0
    let zone: [Double] = [0.5, 1, 0.5]
    let width = 2 * Double.pi / 3
    var sum0 = 0.0
    var sum1 = 0.0
    let step1: [Double] = [10, 20, 30, 40, 0, 60, 70, 80, 90]  // the missing value adds nothing
    for j in 0..<3 {
      for i in 0..<3 {
        sum0 += r * r * zone[j] * width * Double(3 * j + i + 1)
        sum1 += r * r * zone[j] * width * step1[3 * j + i]
      }
    }
    let v = try File.open(output).dataset("plain")
    let got: [Float] = try v.readAll()
    XCTAssertEqual(Double(got[0]) / sum0, 1, accuracy: 1e-6)
    XCTAssertEqual(Double(got[1]) / sum1, 1, accuracy: 1e-6)
    XCTAssertEqual(try v.attribute("cell_methods"), .text("y: x: sum (area-weighted)"))
  }

  // A variable along some of the data's dimensions weights by position: wx = 1, 0, 3 along x.
  func testWeightsFromAVariableBroadcastAlongTheOtherDimensions() throws {
    let input = try NetCDFFixtures.make("area_weights", in: directory)
    let output = try reduce(input, "plain", .mean, over: ["x"], weights: .variable("wx"))
    let v = try File.open(output).dataset("plain")
    XCTAssertEqual(try v.dimensionNames(), ["t", "y"])
    let got: [Float] = try v.readAll()
    // (1 v0 + 0 v1 + 3 v2) / 4 for each row; the missing middle value has weight 0 anyway.
    let expected: [Float] = [
      (1 + 9) / 4, (4 + 18) / 4, (7 + 27) / 4, (10 + 90) / 4, (40 + 180) / 4, (70 + 270) / 4,
    ]
    XCTAssertEqual(got, expected)
    XCTAssertEqual(try v.attribute("cell_methods"), .text("x: mean (weighted by wx)"))
  }

  func testWeightsThatCannotBeBuiltAreErrorsNamingTheVariable() throws {
    let input = try NetCDFFixtures.make("area_weights", in: directory)
    func message(_ variable: String, _ weights: WeightKind) -> String {
      do {
        _ = try reduce(input, variable, .mean, over: ["y", "x"], weights: weights)
        return "no error"
      } catch { return String(describing: error) }
    }
    XCTAssertTrue(
      message("elsewhere", .area).contains(
        "cell_measures names the area variable 'areacella', which is not in the file"))
    XCTAssertTrue(message("plain", .variable("negative")).contains("is negative (-1.0)"))
    XCTAssertTrue(
      message("plain", .variable("holes")).contains("value 1 of the selection is missing"))
    XCTAssertTrue(
      message("plain", .variable("yx_swapped")).contains(
        "the dimensions are not in plain's order (t, y, x)"))
    XCTAssertTrue(message("plain", .variable("nothing")).contains("there is no variable 'nothing'"))
    XCTAssertTrue(
      message("plain", .variable("x_bnds")).contains("dimension 'nv' is not one of plain's"))
    let noBounds = try NetCDFFixtures.make("deflate_4d", in: directory)
    XCTAssertThrowsError(try reduce(noBounds, "ta", .mean, over: ["y", "x"], weights: .area)) {
      XCTAssertTrue(String(describing: $0).contains("--weights area needs a latitude"), "\($0)")
    }
  }

  func testVariablesReducedInOnePassMustShareTheirDimensions() throws {
    let input = try NetCDFFixtures.make("area_weights", in: directory)
    let world = try MPI.initialize()
    var request = ReduceRequest(
      input: input, variable: "plain", statistic: .mean,
      output: directory.appendingPathComponent("two.nc").path)
    request.variables = ["plain", "cell_area"]
    XCTAssertThrowsError(try Reduction.run(request, world: world) { _ in }) {
      XCTAssertTrue(
        String(describing: $0).contains(
          "variables reduced in one pass need the same dimensions: 'cell_area' in \(input) is (y 3, x 3), 'plain' (t 2, y 3, x 3)"
        ), "\($0)")
    }
    request.variables = ["plain", "measured"]
    request.statistic = .percentile(50)
    XCTAssertThrowsError(try Reduction.run(request, world: world) { _ in }) {
      XCTAssertTrue(String(describing: $0).contains("reduces one variable at a time"), "\($0)")
    }
    // Each variable keeps its own fill value and attributes.
    request.statistic = .max
    request.variables = ["plain", "measured"]
    _ = try Reduction.run(request, world: world) { _ in }
    let out = try File.open(request.output)
    XCTAssertEqual(
      try out.dataset("plain").readAll(Float.self), [10, 20, 30, 40, 5, 60, 70, 80, 90])
    XCTAssertEqual(
      try out.dataset("measured").attribute("cell_measures"), .text("area: cell_area"))
  }
}
