import FloeKernels
import XCTest

/// Against numpy.percentile(..., method="linear") computed by hand.
final class PercentileTests: XCTestCase {
  func testNumpyLinearInterpolation() {
    func p(_ values: [Double], _ q: Double) -> Double {
      var v = values
      return Percentile.of(&v, q: q)
    }
    // numpy.percentile([1, 2, 3, 4], 50) == 2.5; 95 -> 3.85; 0 -> 1; 100 -> 4
    XCTAssertEqual(p([4, 1, 3, 2], 50), 2.5)
    XCTAssertEqual(p([4, 1, 3, 2], 95), 3.85, accuracy: 1e-12)
    XCTAssertEqual(p([4, 1, 3, 2], 0), 1)
    XCTAssertEqual(p([4, 1, 3, 2], 100), 4)
    // numpy.percentile([10, 7, 4, 3, 2, 1], 25) == 2.25
    XCTAssertEqual(p([10, 7, 4, 3, 2, 1], 25), 2.25)
    XCTAssertEqual(p([5], 90), 5)
    XCTAssertEqual(p([.nan, 3, .nan, 1], 50), 2)
    XCTAssertTrue(p([.nan], 50).isNaN)
    XCTAssertTrue(p([], 50).isNaN)
  }

  /// Selection finds the same order statistics as sorting: the same bits, on series with
  /// many repeats, NaNs, sorted and reversed runs, every size up to 300 and a few larger.
  func testSelectionGivesTheSortedSeriesBits() {
    var state: UInt64 = 3
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    // Past 600 values the selection narrows the range on a sample first.
    for n in Array(1...300) + [601, 1_000, 6_000, 10_007] {
      let kind = n % 4
      var series: [Double] = (0..<n).map { i in
        switch kind {
        case 0: return (random() * 5).rounded()  // many repeats
        case 1: return Double(i)  // sorted
        case 2: return Double(n - i)  // reversed
        default: return random() < 0.1 ? .nan : random() * 100
        }
      }
      for q in [0, 5, 25, 50, 90, 95, 99.9, 100] {
        let valid = series.filter { !$0.isNaN }.sorted()
        var want = Double.nan
        if !valid.isEmpty {
          let h = Double(valid.count - 1) * q / 100
          let low = Int(h.rounded(.down))
          let high = min(low + 1, valid.count - 1)
          want = valid[low] + (h - Double(low)) * (valid[high] - valid[low])
        }
        var copy = series
        let got = Percentile.of(&copy, q: q)
        XCTAssertEqual(got.bitPattern, want.bitPattern, "n \(n) q \(q)")
      }
      series.removeAll()
    }
  }

  func testOperationNames() {
    XCTAssertEqual(Statistic(name: "median"), .percentile(50))
    XCTAssertEqual(Statistic(name: "p95"), .percentile(95))
    XCTAssertEqual(Statistic(name: "p99.9"), .percentile(99.9))
    XCTAssertEqual(Statistic(name: "p0"), .percentile(0))
    for bad in ["p101", "p-1", "p", "pNN", "p+5", "percentile"] {
      XCTAssertNil(Statistic(name: bad), bad)
    }
    XCTAssertEqual(Statistic.percentile(95).description, "p95")
    XCTAssertEqual(Statistic.percentile(50).description, "median")
  }

  /// float32 series give the bits of the same series widened to float64.
  func testFloat32SelectionGivesTheWidenedSeriesBits() {
    var state: UInt64 = 11
    let series: [Float] = (0..<6_000).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let u = Double(state >> 11) / Double(1 << 53)
      return u < 0.05 ? .nan : Float(200 + 100 * u)
    }
    for q: Double in [0, 5, 50, 95, 99, 100] {
      var narrow = series
      var wide = series.map(Double.init)
      XCTAssertEqual(
        Percentile.of(&narrow, q: q).bitPattern, Percentile.of(&wide, q: q).bitPattern, "q \(q)")
    }
  }
}
