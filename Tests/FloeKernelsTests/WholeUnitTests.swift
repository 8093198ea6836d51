import CFloeKernels
import XCTest

@testable import FloeKernels

/// A time mean's whole unit reduced with its counts held once without writing them
/// (`wholePartial`), and added straight into its sibling's partial (`add`): the values of a
/// plain per-point loop, bit for bit, with the counts held once exactly when `compact` and
/// `merge` would hold them once (no missing value in the unit, nor in the sibling).
final class WholeUnitTests: XCTestCase {
  let steps = 13
  // Blocks of 32 points, single vectors of 8, and a tail of 5 points one by one.
  let points = 3 * 1024 + 13

  /// Where a unit's missing values are: nowhere, at one point in the middle of the blocks
  /// (the counts left out before it filled in), at the last point of the tail, at the first
  /// point, or scattered.
  enum Missing: CaseIterable { case none, middle, lastPoint, firstPoint, scattered }

  func unit(_ missing: Missing, seed: UInt64) -> [Float] {
    var state = seed
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    var values = (0..<(steps * points)).map { _ in Float(200 + 100 * random()) }
    switch missing {
    case .none: break
    case .middle: values[5 * points + 1500] = 1e20
    case .lastPoint: values[2 * points + points - 1] = .nan
    case .firstPoint: values[0] = 1e20
    case .scattered:
      for i in values.indices where random() < 0.02 { values[i] = random() < 0.5 ? .nan : 1e20 }
    }
    return values
  }

  /// The plain loop: each point's count and in-order sum (and sum of squares) of its valid
  /// values.
  func plain(_ values: [Float]) -> (count: [Double], sum: [Double], squares: [Double]) {
    var count = [Double](repeating: 0, count: points)
    var sum = [Double](repeating: 0, count: points)
    var squares = [Double](repeating: 0, count: points)
    for p in 0..<points {
      for t in 0..<steps {
        let v = values[t * points + p]
        guard v == v, v != 1e20 else { continue }
        count[p] += 1
        sum[p] += Double(v)
        squares[p] += Double(v) * Double(v)
      }
    }
    return (count, sum, squares)
  }

  func withBlock<R>(_ values: [Float], _ body: (Block) -> R) -> R {
    values.withUnsafeBufferPointer {
      body(
        Block(
          values: .float32($0), shape: [steps, points], start: [0, 0], reduced: [true, false],
          missing: MissingValues([Double(Float(1e20))])))
    }
  }

  /// The counts of `partial` per point, and its sums (none for a count).
  func fields(_ partial: Partial, withSum: Bool) -> (count: [Double], sum: [UInt64]) {
    if let same = partial.sameField0 {
      return ([Double](repeating: same, count: points), partial.storage.map(\.bitPattern))
    }
    return (
      Array(partial.storage[0..<points]),
      withSum ? partial.storage[points...].map(\.bitPattern) : []
    )
  }

  func testAWholeUnitsPartialHoldsItsCountsOnceExactlyWhenNoValueIsMissing() {
    for finish in [SumReducer.Finish.mean, .count] {
      let reducer = SumReducer(finish: finish)
      for missing in Missing.allCases {
        let values = unit(missing, seed: 3)
        let reference = plain(values)
        guard let partial = withBlock(values, { reducer.wholePartial(of: $0) }) else {
          return XCTFail("a float32 unit of every step is reduced whole")
        }
        let label = "\(finish), missing \(missing)"
        XCTAssertEqual(partial.sameField0 != nil, missing == .none, label)
        XCTAssertEqual(partial.fields, reducer.fieldsPerPoint, label)
        let (count, sum) = fields(partial, withSum: finish != .count)
        // (Arrays of 3,000 compared as one truth: a failure names the case, not every value.)
        XCTAssertTrue(count == reference.count, "counts, \(label)")
        XCTAssertTrue(
          sum == (finish == .count ? [] : reference.sum.map(\.bitPattern)), "sums, \(label)")
      }
    }
  }

  func testAUnitAddedIntoItsSiblingIsTheMergeOfTheirPartials() throws {
    try XCTSkipUnless(floe_kernels_have_avx2(), "the added sums are an AVX2 loop only")
    for finish in [SumReducer.Finish.mean, .count] {
      let reducer = SumReducer(finish: finish)
      for siblingMissing in [Missing.none, .scattered] {
        for missing in Missing.allCases {
          let siblingValues = unit(siblingMissing, seed: 11)
          let values = unit(missing, seed: 5)
          // The sibling as the runtime holds it: accumulated, then compact.
          var sibling = reducer.makePartial(points: points)
          withBlock(siblingValues) { reducer.accumulate($0, into: &sibling) }
          reducer.compact(&sibling)
          XCTAssertEqual(sibling.sameField0 != nil, siblingMissing == .none)

          var added = sibling
          XCTAssertTrue(withBlock(values) { reducer.add($0, into: &added) })
          let label = "\(finish), sibling missing \(siblingMissing), unit missing \(missing)"
          XCTAssertEqual(
            added.sameField0 != nil, siblingMissing == .none && missing == .none, label)
          XCTAssertEqual(added.fields, reducer.fieldsPerPoint, label)
          // The sibling's sums + the unit's: one addition per point, as a merge makes it.
          let (first, second) = (plain(siblingValues), plain(values))
          let (count, sum) = fields(added, withSum: finish != .count)
          XCTAssertTrue(count == zip(first.count, second.count).map(+), "counts, \(label)")
          if finish != .count {
            XCTAssertTrue(
              sum == zip(first.sum, second.sum).map { ($0 + $1).bitPattern }, "sums, \(label)")
          }
        }
      }
    }
  }

  /// A standard deviation's fresh unit: count, mean and sum of squared deviations made in
  /// the AVX2 store (`floe_time_moments_avx2`), the bits of the plain loop's count, sum and
  /// sum of squares turned into mean = sum / count and M2 = max(0, squares - mean * mean *
  /// count); 0 and 0 where a point has no valid value (every step missing at one point),
  /// NaN sums of squares (infinite values) to 0 as Swift's max(0, x) has them.
  func testAFreshUnitsMomentsAreThePlainLoops() {
    for missing in Missing.allCases {
      var values = unit(missing, seed: 7)
      for t in 0..<steps { values[t * points + 700] = 1e20 }  // no valid value
      values[3 * points + 900] = .infinity  // M2 from inf - inf: NaN, stored as 0
      let (count, sum, squares) = plain(values)
      let reducer = MomentsReducer(standardDeviation: true)
      let partial = withBlock(values) { block in
        var partial = reducer.unsetPartial(points: points, piecesLike: block)!
        reducer.accumulate(block, into: &partial, atPoint: 0, continuing: false)
        return partial
      }
      for p in 0..<points {
        let n = count[p]
        let mean = n > 0 ? sum[p] / n : 0
        let m2 = n > 0 ? max(0, squares[p] - mean * mean * n) : 0
        XCTAssertEqual(partial.storage[p], n, "\(missing) count at \(p)")
        XCTAssertEqual(partial.storage[points + p].bitPattern, mean.bitPattern, "\(missing) mean at \(p)")
        XCTAssertEqual(partial.storage[2 * points + p].bitPattern, m2.bitPattern, "\(missing) M2 at \(p)")
      }
      XCTAssertEqual(partial.storage[points + 700], 0)
      XCTAssertEqual(partial.storage[2 * points + 900], 0)
    }
  }
}
