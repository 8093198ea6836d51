import FloeKernels
import XCTest

/// Every built-in operation against a plain serial reference: loop over each output point,
/// collect its valid values, compute the statistic the textbook way.
final class StatisticTests: XCTestCase {
  /// Deterministic test data with some missing values (fill 1e20) and NaNs.
  func makeData(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let u = Double(state >> 11) / Double(1 << 53)
      if u < 0.1 { return 1e20 }
      if u < 0.12 { return .nan }
      return Float(250 + 60 * u)
    }
  }

  /// The reference: for each output point, its valid values in row-major order.
  func reference(_ data: [Float], shape: [Int], reduced: [Bool], _ op: Statistic) -> [Double] {
    let keptShape = zip(shape, reduced).filter { !$0.1 }.map(\.0)
    let points = keptShape.reduce(1, *)
    var groups = [[Double]](repeating: [], count: points)
    for linear in 0..<data.count {
      var rest = linear
      var coords = [Int](repeating: 0, count: shape.count)
      for d in stride(from: shape.count - 1, through: 0, by: -1) {
        coords[d] = rest % shape[d]
        rest /= shape[d]
      }
      var point = 0
      for d in 0..<shape.count where !reduced[d] { point = point * shape[d] + coords[d] }
      let x = data[linear]
      if !x.isNaN && x != 1e20 { groups[point].append(Double(x)) }
    }
    return groups.map { g in
      switch op {
      case .count: return Double(g.count)
      case _ where g.isEmpty: return .nan
      case .sum: return g.reduce(0, +)
      case .mean: return g.reduce(0, +) / Double(g.count)
      case .min: return g.min()!
      case .max: return g.max()!
      case .variance, .standardDeviation:
        let mean = g.reduce(0, +) / Double(g.count)
        let v = g.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(g.count)
        return op == .variance ? v : v.squareRoot()
      case .percentile:
        XCTFail("percentiles are not reducers")
        return .nan
      }
    }
  }

  /// Runs `op` over `data` as one unit, or split along dimension 0 into units merged in order.
  func run(
    _ data: [Float], shape: [Int], reduced: [Bool], _ op: Statistic, splitsAlongFirst: Int = 1,
    asDouble: Bool = false
  ) -> [Double] {
    let reducer = op.reducer
    let points = zip(shape, reduced).reduce(1) { $0 * ($1.1 ? 1 : $1.0) }
    let plane = shape.dropFirst().reduce(1, *)
    var total: Partial?
    let step = (shape[0] + splitsAlongFirst - 1) / splitsAlongFirst
    for first in stride(from: 0, to: shape[0], by: step) {
      let rows = min(step, shape[0] - first)
      let slice = Array(data[(first * plane)..<((first + rows) * plane)])
      var unitShape = shape
      unitShape[0] = rows
      var partial = reducer.makePartial(points: points)
      // As the runtime does: the fill value in the variable's own type (float32 1e20), widened.
      let missing = MissingValues([Double(Float(1e20))])
      if asDouble {
        let doubles = slice.map(Double.init)
        doubles.withUnsafeBufferPointer {
          reducer.accumulate(
            Block(
              values: .float64($0), shape: unitShape,
              start: [first] + shape.dropFirst().map { _ in 0 }, reduced: reduced, missing: missing),
            into: &partial)
        }
      } else {
        slice.withUnsafeBufferPointer {
          reducer.accumulate(
            Block(
              values: .float32($0), shape: unitShape,
              start: [first] + shape.dropFirst().map { _ in 0 }, reduced: reduced, missing: missing),
            into: &partial)
        }
      }
      if total == nil { total = partial } else { reducer.merge(partial, into: &total!) }
    }
    var out = [Double](repeating: 0, count: points)
    out.withUnsafeMutableBufferPointer { reducer.finalize(total!, into: $0) }
    return out
  }

  func assertClose(_ got: [Double], _ want: [Double], _ what: String, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, what, line: line)
    for (i, (g, w)) in zip(got, want).enumerated() {
      if w.isNaN {
        XCTAssertTrue(g.isNaN, "\(what) point \(i): got \(g), want missing", line: line)
      } else {
        XCTAssertEqual(g, w, accuracy: 1e-9 * max(1, abs(w)), "\(what) point \(i)", line: line)
      }
    }
  }

  let operations: [Statistic] = [.mean, .sum, .min, .max, .count, .variance, .standardDeviation]

  func testEveryOperationEveryLayoutAgainstTheReference() {
    let shape = [7, 3, 5, 4]
    let data = makeData(shape.reduce(1, *), seed: 42)
    let layouts: [[Bool]] = [
      [true, false, false, false],  // over time (a time mean)
      [false, true, true, true],  // over everything but time
      [false, false, true, true],  // over the last two (a field mean)
      [false, true, false, false],  // over a middle dimension
      [true, false, true, false],  // interleaved
      [true, true, true, true],  // over everything: one point
    ]
    for op in operations {
      for reduced in layouts {
        let want = reference(data, shape: shape, reduced: reduced, op)
        assertClose(run(data, shape: shape, reduced: reduced, op), want, "\(op) \(reduced)")
        assertClose(
          run(data, shape: shape, reduced: reduced, op, asDouble: true), want,
          "\(op) \(reduced) float64")
        if reduced[0] {
          // Units along the first dimension, merged in order, give the same statistic.
          assertClose(
            run(data, shape: shape, reduced: reduced, op, splitsAlongFirst: 3), want,
            "\(op) \(reduced) in 3 units")
          assertClose(
            run(data, shape: shape, reduced: reduced, op, splitsAlongFirst: 7), want,
            "\(op) \(reduced) in 7 units")
        }
      }
    }
  }

  func testHandComputedCases() {
    // Two steps of two points; point 1 is missing at step 0, point 0 everywhere valid.
    let data: [Float] = [1, 1e20, 3, 4]
    let shape = [2, 2]
    let over = [true, false]
    XCTAssertEqual(run(data, shape: shape, reduced: over, .mean), [2, 4])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .sum), [4, 4])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .count), [2, 1])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .min), [1, 4])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .max), [3, 4])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .variance), [1, 0])
    XCTAssertEqual(run(data, shape: shape, reduced: over, .standardDeviation), [1, 0])
    // A point with no valid value is missing (NaN), except for count.
    let allMissing: [Float] = [1e20, 2, .nan, 6]
    let mean = run(allMissing, shape: shape, reduced: over, .mean)
    XCTAssertTrue(mean[0].isNaN)
    XCTAssertEqual(mean[1], 4)
    XCTAssertEqual(run(allMissing, shape: shape, reduced: over, .count), [0, 2])
    XCTAssertTrue(run(allMissing, shape: shape, reduced: over, .sum)[0].isNaN)
    XCTAssertTrue(run(allMissing, shape: shape, reduced: over, .standardDeviation)[0].isNaN)
  }

  func testVarianceStaysAccurateFarFromZero() {
    // Values near 1e8 with spread 1: sum of squares minus square of sums would lose it all
    // in float32 and much of it in float64; Chan's merge of per-unit moments keeps it.
    let data: [Float] = [100_000_000, 100_000_008, 100_000_000, 100_000_008]
    let result = run(data, shape: [4, 1], reduced: [true, false], .variance, splitsAlongFirst: 4)
    // Naive float64 sum of squares minus n*mean^2 loses about 1e-8 of 4e16, i.e. ~1e-8 * 1e16/16
    // = several units; Chan's merge stays within 1e-9 relative.
    XCTAssertEqual(result[0], 16, accuracy: 16e-9)
  }

  func testRunsCollapseTrailingDimensionsOfTheSameKind() {
    var runs: [[Int]] = []
    let values = [Float](repeating: 0, count: 24)
    values.withUnsafeBufferPointer {
      let block = Block(
        values: .float32($0), shape: [2, 3, 4], start: [0, 0, 0], reduced: [true, false, false],
        missing: MissingValues())
      block.forEachRun { runs.append([$0, $1, $2, $3]) }
    }
    XCTAssertEqual(runs, [[0, 12, 0, 1], [12, 12, 0, 1]])
    runs = []
    values.withUnsafeBufferPointer {
      let block = Block(
        values: .float32($0), shape: [2, 3, 4], start: [0, 0, 0], reduced: [false, true, true],
        missing: MissingValues())
      block.forEachRun { runs.append([$0, $1, $2, $3]) }
    }
    XCTAssertEqual(runs, [[0, 12, 0, 0], [12, 12, 1, 0]])
  }

  /// A count the same at every point (no missing values) is held once, and every merge,
  /// mixed or not, gives the bits of the partials that hold it per point.
  func testACountTheSameAtEveryPointIsHeldOnce() {
    // 3 points, time steps 0..<6; step 4 has point 1 missing.
    let data: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1e20, 15, 16, 17, 18]
    for op in operations {
      let reducer = op.reducer
      func unit(_ steps: Range<Int>, compact: Bool) -> Partial {
        var partial = reducer.makePartial(points: 3)
        Array(data[(steps.lowerBound * 3)..<(steps.upperBound * 3)]).withUnsafeBufferPointer {
          reducer.accumulate(
            Block(
              values: .float32($0), shape: [steps.count, 3], start: [steps.lowerBound, 0],
              reduced: [true, false], missing: MissingValues([Double(Float(1e20))])),
            into: &partial)
        }
        if compact { reducer.compact(&partial) }
        return partial
      }
      let fields = op.reducer.fieldsPerPoint
      let first = unit(0..<2, compact: true)
      XCTAssertEqual(first.sameField0, 2, "\(op)")
      XCTAssertEqual(first.storage.count, 3 * (fields - 1), "\(op): the sums only")
      XCTAssertEqual(first.byteCount, (3 * (fields - 1) + 1) * 8)
      XCTAssertNil(unit(4..<6, compact: true).sameField0, "\(op): point 1 has one step less")
      // Units 0..<2, 2..<4, 4..<6 merged in order, any of them held once or per point.
      var perPoint = unit(0..<2, compact: false)
      reducer.merge(unit(2..<4, compact: false), into: &perPoint)
      reducer.merge(unit(4..<6, compact: false), into: &perPoint)
      for mask in 0..<8 {
        var total = unit(0..<2, compact: mask & 1 != 0)
        reducer.merge(unit(2..<4, compact: mask & 2 != 0), into: &total)
        if mask & 3 == 3 { XCTAssertEqual(total.sameField0, 4, "\(op): 2 + 2 steps, held once") }
        reducer.merge(unit(4..<6, compact: mask & 4 != 0), into: &total)
        XCTAssertNil(total.sameField0)
        XCTAssertEqual(total, perPoint, "\(op) mask \(mask)")
      }
      // Finalized while held once: by hand, steps 0..<4 of each point.
      var held = unit(0..<2, compact: true)
      reducer.merge(unit(2..<4, compact: true), into: &held)
      var out = [Double](repeating: 0, count: 3)
      out.withUnsafeMutableBufferPointer { reducer.finalize(held, into: $0) }
      let sums: [Double] = [1 + 4 + 7 + 10, 2 + 5 + 8 + 11, 3 + 6 + 9 + 12]
      // Each point's four values are evenly spaced by 3: variance (4.5² + 1.5²) x 2 / 4.
      switch op {
      case .mean: XCTAssertEqual(out, sums.map { $0 / 4 })
      case .sum: XCTAssertEqual(out, sums)
      case .count: XCTAssertEqual(out, [4, 4, 4])
      case .min: XCTAssertEqual(out, [1, 2, 3])
      case .max: XCTAssertEqual(out, [10, 11, 12])
      case .variance: assertClose(out, [11.25, 11.25, 11.25], "variance")
      default: assertClose(out, [Double](repeating: 11.25.squareRoot(), count: 3), "std")
      }
      // And the accumulate of a held-once partial holds it per point again, first.
      held.withFields { XCTAssertEqual(Array($0[0]), [4, 4, 4]) }
      XCTAssertNil(held.sameField0)
    }
  }
}
