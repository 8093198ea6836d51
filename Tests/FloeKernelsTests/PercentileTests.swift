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
}
