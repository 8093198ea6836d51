import Floe
import FloeHDF5
import Foundation
import XCTest

/// `--by` and `--resample` against a reference grouped with Foundation's own Gregorian
/// calendar; output times and (climatology) bounds by hand.
final class GroupingTests: XCTestCase {
  var directory: URL!
  var input: String!
  var data: [Float] = []
  let shape = [730, 3, 4]  // 2000-01-01 to 2001-12-31, daily

  override func setUpWithError() throws {
    (directory, input) = try generatedInput(
      shape: shape, chunks: [50, 3, 4], seed: 8, fillFraction: 0.1)
    data = try File.open(input).dataset("tas").readAll()
  }

  func run(_ statistic: Statistic, _ grouping: TimeGrouping) throws -> File {
    let output = directory.appendingPathComponent("\(grouping.rawValue)-\(statistic).nc").path
    _ = try Reduction.run(
      ReduceRequest(
        input: input, variable: "tas", statistic: statistic, output: output, grouping: grouping),
      world: try MPI.initialize()
    ) { _ in }
    return try File.open(output)
  }

  /// The (year, month) of each step, from Foundation.
  lazy var months: [(year: Int, month: Int)] = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let start = calendar.date(from: DateComponents(year: 2000, month: 1, day: 1))!
    return (0..<730).map {
      let d = calendar.date(byAdding: .day, value: $0, to: start)!
      return (calendar.component(.year, from: d), calendar.component(.month, from: d))
    }
  }()

  func assertGroups(_ got: [Float], keys: [Int], key: (Int) -> Int, _ what: String) {
    let plane = 12
    for (g, k) in keys.enumerated() {
      for p in 0..<plane {
        let values = (0..<730).filter { key($0) == k }.map { data[$0 * plane + p] }.filter {
          $0 != 1e20
        }.map(Double.init)
        let want = values.reduce(0, +) / Double(values.count)
        XCTAssertEqual(
          Double(got[g * plane + p]), want, accuracy: 1e-4, "\(what) group \(k) point \(p)")
      }
    }
  }

  func testMonthlyClimatology() throws {
    let file = try run(.mean, .month)
    assertGroups(
      try file.dataset("tas").readAll(), keys: Array(1...12), key: { self.months[$0].month },
      "ymonmean")
    let time = try file.dataset("time")
    XCTAssertEqual(try time.attribute("climatology"), .text("climatology_bounds"))
    XCTAssertEqual(try time.attribute("calendar"), .text("standard"))
    let bounds: [Double] = try file.dataset("climatology_bounds").readAll()
    XCTAssertEqual(Array(bounds[0..<2]), [0, 397])  // January: 2000-01-01 to 2001-02-01
    XCTAssertEqual(Array(bounds[22..<24]), [335, 731])  // December: 2000-12-01 to 2002-01-01
    XCTAssertEqual(try time.readAll(Double.self)[0], 15.5)  // the middle of January 2000
    XCTAssertEqual(
      try file.dataset("tas").attribute("cell_methods"),
      .text("time: mean time: mean within years time: mean over years"))
  }

  func testSeasonalClimatologyStartsDJFInThePreviousDecember() throws {
    let file = try run(.max, .season)
    let got: [Float] = try file.dataset("tas").readAll()
    let season = { (m: Int) in [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0][m - 1] }
    for s in 0..<4 {
      for p in 0..<12 {
        let values = (0..<730).filter { season(self.months[$0].month) == s }.map {
          data[$0 * 12 + p]
        }.filter { $0 != 1e20 }
        XCTAssertEqual(got[s * 12 + p], values.max()!, "season \(s) point \(p)")
      }
    }
    let bounds: [Double] = try file.dataset("climatology_bounds").readAll()
    XCTAssertEqual(Array(bounds[0..<2]), [-31, 790])  // DJF: 1999-12-01 to 2002-03-01
  }

  func testMonthlyMeansOfEachYear() throws {
    let file = try run(.mean, .yearMonth)
    XCTAssertEqual(try file.dataset("tas").shape, [24, 3, 4])
    assertGroups(
      try file.dataset("tas").readAll(), keys: Array(0..<24),
      key: { (self.months[$0].year - 2000) * 12 + self.months[$0].month - 1 },
      "monmean")
    let bounds: [Double] = try file.dataset("time_bnds").readAll()
    XCTAssertEqual(Array(bounds[0..<4]), [0, 31, 31, 60])
    XCTAssertEqual(try file.dataset("time").attribute("bounds"), .text("time_bnds"))
    XCTAssertEqual(
      try file.dataset("tas").attribute("cell_methods"), .text("time: mean time: mean"))
  }

  func testYearlyAndDailyGroups() throws {
    let yearly = try run(.mean, .year)
    assertGroups(
      try yearly.dataset("tas").readAll(), keys: [2000, 2001], key: { self.months[$0].year },
      "yearmean")
    XCTAssertEqual(try yearly.dataset("time_bnds").readAll(Double.self), [0, 366, 366, 731])
    let daily = try run(.mean, .day)
    XCTAssertEqual(try daily.dataset("tas").shape, [730, 3, 4])
    let values: [Float] = try daily.dataset("tas").readAll()
    for i in 0..<(730 * 12) where data[i] != 1e20 { XCTAssertEqual(values[i], data[i]) }
  }

  /// The 90th percentile of each month's values over both years (CDO's ymonpctl), against
  /// a plain sort and numpy's linear interpolation written out here.
  func testMonthlyPercentiles() throws {
    let file = try run(.percentile(90), .month)
    let got: [Float] = try file.dataset("tas").readAll()
    XCTAssertEqual(got.count, 12 * 12)
    for month in 1...12 {
      for p in 0..<12 {
        let sorted = (0..<730).filter { months[$0].month == month }.map { data[$0 * 12 + p] }
          .filter { $0 != 1e20 }.map(Double.init).sorted()
        let rank = 0.9 * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let want = sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
        XCTAssertEqual(got[(month - 1) * 12 + p], Float(want), "month \(month) point \(p)")
      }
    }
    XCTAssertEqual(try file.dataset("time").attribute("climatology"), .text("climatology_bounds"))
  }

  /// The planner's bound for sparse grouped partials: the most months in any run of days.
  func testMostGroupsInAnyWindowOfSteps() throws {
    let axis = try TimeAxis(units: "days since 2001-01-01", calendar: "noleap")
    let year = GroupSpec(
      times: (0..<730).map(Double.init), axis: axis, grouping: .month)
    XCTAssertEqual(year.count, 12)
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 1), 1)
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 2), 2)  // Jan 31, Feb 1
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 28), 2)
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 30), 3)  // Jan 31, all of Feb (28), Mar 1
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 365), 12)
    XCTAssertEqual(year.mostGroups(inStepsAtOnce: 10_000), 12)
  }
}
