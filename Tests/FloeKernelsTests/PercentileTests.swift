import FloeKernels
import XCTest

/// Against numpy.percentile(..., method="linear") computed by hand.
final class PercentileTests: XCTestCase {
  func testNumpyLinearInterpolation() {
    func p(_ values: [Double], _ q: Double) -> Double {
      Percentile.of(values, q: q)
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
        let got = Percentile.of(series, q: q)
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
      let wide = series.map(Double.init)
      XCTAssertEqual(
        Percentile.of(series, q: q).bitPattern, Percentile.of(wide, q: q).bitPattern, "q \(q)")
    }
  }

  /// Series long enough to be narrowed to the values between two pivots from a sample
  /// (and those where the sample misleads, which go the whole way): the bits of sorting, in
  /// float32 (the AVX2 split) and float64, and the series left as it was.
  func testNarrowedSelectionGivesTheSortedSeriesBits() {
    var state: UInt64 = 5
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    func want(_ series: [Double], _ q: Double) -> Double {
      let valid = series.filter { !$0.isNaN }.sorted()
      guard !valid.isEmpty else { return .nan }
      let h = Double(valid.count - 1) * q / 100
      let low = Int(h.rounded(.down))
      let high = min(low + 1, valid.count - 1)
      return valid[low] + (h - Double(low)) * (valid[high] - valid[low])
    }
    let kinds: [(String, (Int, Int) -> Double)] = [
      ("repeats", { _, _ in (random() * 5).rounded() }),
      ("sorted", { i, _ in Double(i) }),
      ("reversed", { i, n in Double(n - i) }),
      ("10 % NaN", { _, _ in random() < 0.1 ? .nan : random() * 100 }),
      ("80 % NaN", { _, _ in random() < 0.8 ? .nan : random() * 100 }),
      ("seasons", { i, _ in 280 + 15 * sin(Double(i) * 2 * .pi / 365) + random() }),
      // Every 16th value far above the rest: the sample (spread evenly) sees mostly those.
      ("sampled high", { i, _ in i % 16 == 0 ? 1e6 + Double(i) : random() }),
      ("zeros and infinities", { _, _ in [0.0, -0.0, .infinity, -.infinity, 1][Int(random() * 5)] }),
      ("constant", { _, _ in 7 }),
    ]
    for n in [1_000, 1_001, 1_007, 4_096, 6_000, 6_001] {
      for (name, make) in kinds {
        let wide = (0..<n).map { make($0, n) }
        let narrow = wide.map { Float($0) }
        let narrowWidened = narrow.map(Double.init)
        var scratch32: [Float] = []
        var scratch64: [Double] = []
        for q in [0, 1, 5, 25, 50, 75, 95, 99, 99.9, 100] {
          let got64 = wide.withUnsafeBufferPointer { Percentile.of($0, q: q, scratch: &scratch64) }
          XCTAssertEqual(got64.bitPattern, want(wide, q).bitPattern, "float64 \(name) n \(n) q \(q)")
          let got32 = narrow.withUnsafeBufferPointer { Percentile.of($0, q: q, scratch: &scratch32) }
          XCTAssertEqual(
            got32.bitPattern, want(narrowWidened, q).bitPattern, "float32 \(name) n \(n) q \(q)")
        }
        XCTAssertEqual(narrow.map(\.bitPattern), wide.map { Float($0).bitPattern }, "\(name): series kept")
      }
    }
  }

  /// Every 0.05 percent (every order statistic as the lower of the two), on series whose
  /// sample misleads in both directions, a smooth one and plateaus: the pivots land on and
  /// next to the order statistics sought.
  func testNarrowedSelectionAtEveryOrderStatistic() {
    var state: UInt64 = 17
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let n = 1_500
    let kinds: [(String, (Int) -> Double)] = [
      ("sampled high", { i in i % 8 == 0 ? 1e6 + Double(i) : random() }),
      ("sampled low", { i in i % 8 == 0 ? -1e6 - Double(i) : random() }),
      ("smooth", { i in Double(i % 97) + random() }),
      ("steps", { i in Double(i / 100) }),
    ]
    for (name, make) in kinds {
      let series = (0..<n).map { Float(make($0)) }
      let valid = series.map(Double.init).sorted()
      var scratch: [Float] = []
      for twentieth in 0...2_000 {
        let q = Double(twentieth) / 20
        let h = Double(n - 1) * q / 100
        let low = Int(h.rounded(.down))
        let high = min(low + 1, n - 1)
        let want = valid[low] + (h - Double(low)) * (valid[high] - valid[low])
        let got = series.withUnsafeBufferPointer { Percentile.of($0, q: q, scratch: &scratch) }
        XCTAssertEqual(got.bitPattern, want.bitPattern, "\(name) q \(q)")
      }
    }
  }

  /// The median of 1,280 values whose 640 smallest end exactly at the upper pivot, so that
  /// the next order statistic lies above it. Built for the sample as it is taken today
  /// (every tenth value here; the pivots are its 47th and 83rd smallest): then the values
  /// between the pivots do not hold the next one, and the selection must go the whole way.
  func testTheNextOrderStatisticAboveThePivots() {
    var series = [Float](repeating: 0, count: 1_280)
    var others = 0
    for i in 0..<1_280 {
      if i % 10 == 0 {
        series[i] = Float(i / 10)  // the sample: 0 ... 127
      } else {
        series[i] = others < 557 ? 50 : 1_000
        others += 1
      }
    }
    // Sorted: 0 ... 45, then 50 (557 times) among 46 ... 82, then 83 ... 127, then 1,000s.
    // Order statistics 639 and 640 are 82 and 83; h = 639.5.
    var scratch: [Float] = []
    let got = series.withUnsafeBufferPointer { Percentile.of($0, q: 50, scratch: &scratch) }
    XCTAssertEqual(got, 82.5)
  }
}
