import FloeKernels
import XCTest

final class GroupedReducerTests: XCTestCase {
  /// Groups along time [0,0,1,1,1,0,2] of a 7 x 3 field; units cut across groups.
  func testEachGroupGetsItsOwnStatisticWhateverTheUnits() {
    let groups: [Int32] = [0, 0, 1, 1, 1, 0, 2]
    let data: [Float] = (0..<21).map { Float($0 * $0 % 17) + ($0 == 10 ? 1e20 : 0) }
    for statistic in [Statistic.mean, .max, .standardDeviation, .count] {
      let reducer = GroupedReducer(base: statistic.reducer, groupOfIndex: groups, groupCount: 3)
      XCTAssertEqual(reducer.groups, 3)
      var results: [[Double]] = []
      for cuts in [[0, 7], [0, 3, 7], [0, 1, 2, 4, 5, 6, 7]] {
        var total: Partial?
        for (a, b) in zip(cuts, cuts.dropFirst()) {
          var partial = reducer.makePartial(points: 3)
          Array(data[(a * 3)..<(b * 3)]).withUnsafeBufferPointer {
            reducer.accumulate(
              Block(
                values: .float32($0), shape: [b - a, 3], start: [a, 0], reduced: [true, false],
                missing: MissingValues([Double(Float(1e20))])),
              into: &partial)
          }
          if total == nil { total = partial } else { reducer.merge(partial, into: &total!) }
        }
        var out = [Double](repeating: 0, count: 9)
        out.withUnsafeMutableBufferPointer { reducer.finalize(total!, into: $0) }
        results.append(out)
      }
      // The reference: each group's values, the plain way.
      for g in 0..<3 {
        for p in 0..<3 {
          let values = (0..<7).filter { groups[$0] == g }.map { data[$0 * 3 + p] }.filter {
            $0 != 1e20
          }.map(Double.init)
          let mean = values.reduce(0, +) / Double(values.count)
          let want: Double
          switch statistic {
          case .mean: want = mean
          case .max: want = values.max()!
          case .count: want = Double(values.count)
          default:
            want = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
              .squareRoot()
          }
          for r in results {
            XCTAssertEqual(
              r[g * 3 + p], want, accuracy: 1e-12, "\(statistic) group \(g) point \(p)")
          }
        }
      }
    }
  }

  /// Partials carry only the groups their steps touched; groups nobody touched are NaN.
  func testPartialsHoldOnlyTheGroupsTheyTouched() {
    // Five groups; steps in groups 3, 3, 1 (a year's end, then its start), group 0, 2, 4 empty.
    let groups: [Int32] = [3, 3, 1]
    let data: [Float] = [1, 2, 3, 4, 5, 6]  // 3 steps x 2 points
    let reducer = GroupedReducer(base: Statistic.mean.reducer, groupOfIndex: groups, groupCount: 5)
    func unit(_ a: Int, _ b: Int) -> Partial { steps(a..<b, of: data, points: 2, reducer) }
    let first = unit(0, 2)
    XCTAssertEqual(first.groups, [3])
    XCTAssertEqual(first.slots.map(\.storage.count), [2 * 2])  // one slot of count and sum
    var total = first
    reducer.merge(unit(2, 3), into: &total)
    XCTAssertEqual(total.groups, [1, 3])
    var whole = unit(0, 3)
    XCTAssertEqual(whole.groups, [1, 3])
    XCTAssertEqual(whole, total)
    reducer.merge(reducer.makePartial(points: 2), into: &whole)
    XCTAssertEqual(whole, total)
    // Right's groups within left's, and left's within right's: merged in place, same bits
    // as the general merge into a fresh partial.
    var inside = unit(0, 3)
    reducer.merge(unit(0, 2), into: &inside)
    var around = unit(0, 2)
    reducer.merge(unit(0, 3), into: &around)
    var general = reducer.makePartial(points: 2)
    reducer.merge(unit(0, 3), into: &general)
    reducer.merge(unit(0, 2), into: &general)
    XCTAssertEqual(inside, around)
    XCTAssertEqual(inside, general)
    XCTAssertEqual(inside.groups, [1, 3])
    XCTAssertEqual(inside.slots[1].storage, [4, 4, 8, 12])  // group 3: count, sum
    var out = [Double](repeating: 0, count: 10)
    out.withUnsafeMutableBufferPointer { reducer.finalize(total, into: $0) }
    XCTAssertEqual(Array(out[2..<4]), [5, 6])
    XCTAssertEqual(Array(out[6..<8]), [2, 3])
    for g in [0, 2, 4] {
      XCTAssertTrue(out[(g * 2)..<(g * 2 + 2)].allSatisfy(\.isNaN), "group \(g) is empty")
    }
  }

  /// Sums whose groups interleave (neither side holds the other's): one union, each shared
  /// group added; the same either way round. By hand, one point, a mean's count and sum.
  func testInterleavedGroupsMergeIntoTheirUnion() {
    let reducer = GroupedReducer(
      base: Statistic.mean.reducer, groupOfIndex: [1, 3, 0, 2, 3], groupCount: 4)
    let data: [Float] = [10, 20, 30, 40, 50]
    func unit(_ a: Int, _ b: Int) -> Partial { steps(a..<b, of: data, points: 1, reducer) }
    var left = unit(0, 2)
    XCTAssertEqual(left.groups, [1, 3])
    reducer.merge(unit(2, 5), into: &left)
    XCTAssertEqual(left.groups, [0, 1, 2, 3])
    XCTAssertEqual(left.slots.map(\.storage), [[1, 30], [1, 10], [1, 40], [2, 70]])
    var right = unit(2, 5)
    reducer.merge(unit(0, 2), into: &right)
    XCTAssertEqual(right, left)
  }
}

/// The partial of time steps `range` of `data` (steps x `points`), as one unit.
private func steps(
  _ range: Range<Int>, of data: [Float], points: Int, _ reducer: GroupedReducer
) -> Partial {
  var partial = reducer.makePartial(points: points)
  Array(data[(range.lowerBound * points)..<(range.upperBound * points)]).withUnsafeBufferPointer {
    reducer.accumulate(
      Block(
        values: .float32($0), shape: [range.count, points], start: [range.lowerBound, 0],
        reduced: [true, false], missing: MissingValues([])),
      into: &partial)
  }
  return partial
}
