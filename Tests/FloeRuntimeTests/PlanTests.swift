import FloeKernels
import FloeRuntime
import XCTest

final class PlanTests: XCTestCase {
  func testUnitsCoverTheVariableExactlyOnce() {
    let cases: [([Int], [Bool], [Int]?, Int)] = [
      ([37, 7, 11], [true, false, false], [5, 4, 6], 1),
      ([37, 7, 11], [true, false, false], [5, 4, 6], 400),  // grouped along time
      ([37, 7, 11], [false, true, true], [5, 4, 6], 1),
      ([10, 3, 4, 5], [false, true, false, true], [3, 2, 4, 2], 1),
      ([9, 8], [true, true], nil, 10),  // contiguous
    ]
    for (shape, reduced, chunks, target) in cases {
      let plan = ReductionPlan(
        shape: shape, reduced: reduced, chunks: chunks, targetUnitElements: target)
      var seen = [Int](repeating: 0, count: shape.reduce(1, *))
      for u in 0..<plan.unitCount {
        let (start, count) = plan.block(ofUnit: u)
        XCTAssertTrue(count.allSatisfy { $0 > 0 })
        forEachElement(of: shape, start: start, count: count) { _, linear in seen[linear] += 1 }
        // A unit covers its tile's whole extent along kept dimensions.
        let (tile, _) = plan.locate(unit: u)
        let (outStart, outCount) = plan.outputBlock(ofTile: tile)
        let kept = reduced.indices.filter { !reduced[$0] }
        XCTAssertEqual(kept.map { start[$0] }, outStart)
        XCTAssertEqual(kept.map { count[$0] }, outCount)
      }
      XCTAssertEqual(Set(seen), [1], "\(shape) \(reduced) \(String(describing: chunks))")
    }
  }

  func testHandCountedTilesAndUnits() {
    // Time mean of 6000 x 361 x 720 in chunks of 24 x 181 x 360: 2 x 2 tiles of 250 units.
    let plan = ReductionPlan(
      shape: [6000, 361, 720], reduced: [true, false, false], chunks: [24, 181, 360],
      targetUnitElements: 1)
    XCTAssertEqual(plan.tileCount, 4)
    XCTAssertEqual(plan.unitsPerTile, 250)
    XCTAssertEqual(plan.outputShape, [361, 720])
    XCTAssertEqual(plan.block(ofUnit: 251).start, [24, 0, 360])
    XCTAssertEqual(plan.block(ofUnit: 999).count, [24, 180, 360])
    // Grouping: 4 chunk rows of 24 per unit when the target is 4 chunks' worth.
    let grouped = ReductionPlan(
      shape: [6000, 361, 720], reduced: [true, false, false], chunks: [24, 181, 360],
      targetUnitElements: 4 * 24 * 181 * 360)
    XCTAssertEqual(grouped.unitExtent, [96, 181, 360])
    XCTAssertEqual(grouped.unitsPerTile, 63)
  }

  func testBandsCutTilesAlongTheOutermostKeptDimension() {
    // A monthly climatology of 6000 x 361 x 720 in chunks of 24 x 361 x 720: twelve months
    // of sums and counts are 24 fields, 47.6 MiB a tile: six bands of 61 rows (7.9 MiB),
    // the last of 56; the time units, and so every point's merge tree, stay the same.
    let whole = ReductionPlan(
      shape: [6000, 361, 720], reduced: [true, false, false], chunks: [24, 361, 720],
      targetUnitElements: 1)
    XCTAssertEqual(TileBands.band(plan: whole, fieldsPerPoint: 24, elementSize: 4), 61)
    let banded = ReductionPlan(
      shape: [6000, 361, 720], reduced: [true, false, false], chunks: [24, 361, 720],
      targetUnitElements: 1, band: 61)
    XCTAssertEqual(banded.tileCount, 6)
    XCTAssertEqual(banded.unitsPerTile, whole.unitsPerTile)
    XCTAssertEqual(banded.unitExtent, [24, 61, 720])
    XCTAssertEqual(banded.block(ofUnit: 251).start, [24, 61, 0])
    XCTAssertEqual(banded.outputBlock(ofTile: 5).start, [305, 0])
    XCTAssertEqual(banded.outputBlock(ofTile: 5).count, [56, 720])
    // A time mean's 4 MiB tile stays whole, as does anything without a kept dimension of
    // more than one index per tile.
    XCTAssertNil(TileBands.band(plan: whole, fieldsPerPoint: 2, elementSize: 4))
    let fieldMean = ReductionPlan(
      shape: [6000, 361, 720], reduced: [false, true, true], chunks: [1, 361, 720],
      targetUnitElements: 1)
    XCTAssertNil(TileBands.band(plan: fieldMean, fieldsPerPoint: 1_000_000, elementSize: 4))
    // Several chunks along latitude: a band divides the chunk's 180 rows (3 bands of 60;
    // 23.7 MiB a chunk's tile),
    // and none of a chunk of 181 rows (a prime: no band divides it).
    let split = { (rows: Int) in
      ReductionPlan(
        shape: [6000, 2 * rows, 720], reduced: [true, false, false], chunks: [24, rows, 720],
        targetUnitElements: 1)
    }
    XCTAssertEqual(TileBands.band(plan: split(180), fieldsPerPoint: 24, elementSize: 4), 60)
    XCTAssertNil(TileBands.band(plan: split(181), fieldsPerPoint: 24, elementSize: 4))
    // Rows of 64 floats: a band of fewer than 256 rows would read runs under 64 KiB.
    let narrow = ReductionPlan(
      shape: [100, 4096, 64], reduced: [true, false, false], chunks: [10, 4096, 64],
      targetUnitElements: 1)
    XCTAssertEqual(TileBands.band(plan: narrow, fieldsPerPoint: 1024, elementSize: 4), 256)
    let short = ReductionPlan(
      shape: [100, 200, 64], reduced: [true, false, false], chunks: [10, 200, 64],
      targetUnitElements: 1)
    XCTAssertNil(TileBands.band(plan: short, fieldsPerPoint: 1024, elementSize: 4))
    // Every element in exactly one unit, for bands that divide the extent and that do not.
    for band in [61, 100, 360] {
      let plan = ReductionPlan(
        shape: [30, 361, 20], reduced: [true, false, false], chunks: [7, 361, 20],
        targetUnitElements: 1, band: band)
      var seen = [Int](repeating: 0, count: 30 * 361 * 20)
      for u in 0..<plan.unitCount {
        let (start, count) = plan.block(ofUnit: u)
        forEachElement(of: [30, 361, 20], start: start, count: count) { _, i in seen[i] += 1 }
      }
      XCTAssertEqual(Set(seen), [1], "bands of \(band)")
    }
  }

  func testTenMillionUnitsPlanInstantlyAndStayArithmetic() {
    // 10^7 chunks of 1 x 10 x 10; the plan is a handful of integers.
    let plan = ReductionPlan(
      shape: [10_000_000, 10, 10], reduced: [true, false, false], chunks: [1, 10, 10],
      targetUnitElements: 1)
    XCTAssertEqual(plan.unitCount, 10_000_000)
    XCTAssertEqual(plan.block(ofUnit: 9_999_999).start, [9_999_999, 0, 0])
    XCTAssertLessThan(MemoryLayout<ReductionPlan>.size, 200)
  }

  func testMemorySizes() {
    XCTAssertEqual(MemorySize("512MiB")?.bytes, 512 << 20)
    XCTAssertEqual(MemorySize("2GiB")?.bytes, 2 << 30)
    XCTAssertEqual(MemorySize("1.5G")?.bytes, 1_500_000_000)
    XCTAssertEqual(MemorySize("800m")?.bytes, 800_000_000)
    XCTAssertEqual(MemorySize("4096")?.bytes, 4096)
    XCTAssertNil(MemorySize("lots"))
    XCTAssertNil(MemorySize("12XB"))
    XCTAssertEqual(MemorySize(bytes: 3 << 29).description, "1.5 GiB")
  }

  func testSizingRefusesABudgetThatCannotHoldOneUnitAndNamesTheFigure() throws {
    let plan = ReductionPlan(
      shape: [100, 100, 100], reduced: [true, false, false], chunks: [10, 100, 100],
      targetUnitElements: 1)
    XCTAssertThrowsError(
      try SuperstepSizing(
        plan: plan, workers: 2, budget: MemorySize(bytes: 100_000), elementSize: 4,
        fieldsPerPoint: 2)
    ) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.contains("cannot hold one unit"), text)
      XCTAssertTrue(text.contains("10 x 100 x 100"), text)
      XCTAssertTrue(text.contains("give at least --memory-per-rank"), text)
    }
    let one = SuperstepSizing.bytesPerRank(
      plan: plan, workers: 2, share: 1, elementSize: 4, fieldsPerPoint: 2)
    XCTAssertThrowsError(
      try SuperstepSizing(
        plan: plan, workers: 2, budget: MemorySize(bytes: one - 1), elementSize: 4,
        fieldsPerPoint: 2))
    let small = try SuperstepSizing(
      plan: plan, workers: 2, budget: MemorySize(bytes: one), elementSize: 4, fieldsPerPoint: 2)
    let large = try SuperstepSizing(
      plan: plan, workers: 2, budget: MemorySize(bytes: 20_000_000), elementSize: 4,
      fieldsPerPoint: 2)
    XCTAssertEqual(small.unitsPerWorker, 1)
    XCTAssertGreaterThan(large.unitsPerWorker, small.unitsPerWorker)
    XCTAssertLessThan(large.supersteps, small.supersteps)
    XCTAssertLessThanOrEqual(large.bytesPerRank, 20_000_000)
  }

  /// Grouped partials that grow with the units a node covers need less than full ones, and
  /// never more than constant fields of their largest size.
  func testSizingByTreeLevel() throws {
    let plan = ReductionPlan(
      shape: [1000, 100, 100], reduced: [true, false, false], chunks: [10, 100, 100],
      targetUnitElements: 1)
    let full = PartialFields(24)
    let growing = PartialFields(byLevel: [4, 6, 8, 12, 24])
    for share in [1, 5, 50] {
      let bytes = { (fields: PartialFields) in
        SuperstepSizing.bytesPerRank(
          plan: plan, workers: 2, share: share, elementSize: 4, fields: fields)
      }
      XCTAssertLessThan(bytes(growing), bytes(full), "share \(share)")
      XCTAssertGreaterThan(bytes(growing), bytes(PartialFields(4)), "share \(share)")
    }
    let budget = MemorySize(
      bytes: SuperstepSizing.bytesPerRank(
        plan: plan, workers: 2, share: 1, elementSize: 4, fields: growing))
    let small = try SuperstepSizing(
      plan: plan, workers: 2, budget: budget, elementSize: 4, fields: growing)
    XCTAssertThrowsError(
      try SuperstepSizing(plan: plan, workers: 2, budget: budget, elementSize: 4, fields: full))
    XCTAssertGreaterThanOrEqual(small.unitsPerWorker, 1)
  }

  func testAssignmentIsContiguousProportionalAndComplete() {
    let equal = Assignment.next(position: 10, total: 100, speeds: [1, 1, 1], cap: 4)
    XCTAssertEqual(equal, [10..<14, 14..<18, 18..<22])
    let skewed = Assignment.next(position: 0, total: 100, speeds: [2, 1, 0.5], cap: 8)
    XCTAssertEqual(skewed, [0..<8, 8..<12, 12..<14])
    let tail = Assignment.next(position: 95, total: 100, speeds: [2, 1, 1], cap: 8)
    XCTAssertEqual(tail.last?.upperBound, 100)
    XCTAssertEqual(tail.first?.lowerBound, 95)
    for (a, b) in zip(tail, tail.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
  }

  /// Held ranges: every unit given out once, each worker's units one range over the whole
  /// job, and every superstep gives something out until nothing is left.
  func testHeldRangesStayOneRangePerWorker() {
    var state: UInt64 = 3
    for workers in 1...6 {
      for (start, total) in [(0, 1), (0, 7), (0, 250), (40, 97)] {
        var held = HeldRanges(start: start, total: total, workers: workers)
        var given = [Int](repeating: 0, count: total)
        var mine = [[Int]](repeating: [], count: workers)
        while held.remaining > 0 {
          let shares = (0..<workers).map { _ -> Int in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 1 + Int(state >> 60)
          }
          let before = held.remaining
          let ranges = held.next(shares: shares)
          XCTAssertLessThan(held.remaining, before, "\(workers) workers: progress")
          for (w, r) in ranges.enumerated() {
            XCTAssertLessThanOrEqual(r.count, shares[w])
            for u in r { given[u] += 1 }
            mine[w] += Array(r)
          }
        }
        XCTAssertEqual(
          given, (0..<total).map { $0 < start ? 0 : 1 }, "\(workers) \(start) \(total)")
        for (w, units) in mine.enumerated() {
          let sorted = units.sorted()
          guard let first = sorted.first, let last = sorted.last else { continue }
          XCTAssertEqual(sorted, Array(first...last), "worker \(w) of \(workers): one range")
          XCTAssertEqual(held.held[w], first..<(last + 1))
        }
      }
    }
    // Two workers of equal speed meet in the middle, one from each end.
    // At most half of the gap goes out at once (10 left: 2.5 each, rounded up; then 4: 1
    // each; then 2: 1 each).
    var two = HeldRanges(start: 0, total: 10, workers: 2)
    XCTAssertEqual(two.next(shares: [3, 3]), [0..<3, 7..<10])
    XCTAssertEqual(two.next(shares: [3, 3]), [3..<4, 6..<7], "half of what is left")
    XCTAssertEqual(two.next(shares: [3, 3]), [4..<5, 5..<6])
    XCTAssertEqual(two.remaining, 0)
    // In proportion to the shares: 40 left, shares 12 and 4 may take 15 and 5
    var uneven = HeldRanges(start: 0, total: 40, workers: 2)
    XCTAssertEqual(uneven.next(shares: [12, 4]), [0..<12, 36..<40], "under half: as asked")
    XCTAssertEqual(uneven.next(shares: [12, 4]), [12..<21, 33..<36], "24 left: 9 and 3")
    // Alone, a worker takes its whole share: there is nothing to balance.
    var one = HeldRanges(start: 0, total: 10, workers: 1)
    XCTAssertEqual(one.next(shares: [8]), [0..<8])
    // The plan's estimate of the supersteps is exact for one and two equally fast workers.
    for (units, share) in [(250, 38), (10, 3), (1, 1), (97, 1), (1000, 7), (5, 40)] {
      for workers in [1, 2] {
        var held = HeldRanges(start: 0, total: units, workers: workers)
        var steps = 0
        while held.remaining > 0 {
          _ = held.next(shares: [Int](repeating: share, count: workers))
          steps += 1
        }
        XCTAssertEqual(
          SuperstepSizing.heldSupersteps(units: units, workers: workers, share: share), steps,
          "\(units) units, \(workers) workers, share \(share)")
      }
    }
    XCTAssertEqual(SuperstepSizing.heldSupersteps(units: 250, workers: 2, share: 38), 8)
    // Three: the middle worker starts in the middle and takes from the larger side.
    var three = HeldRanges(start: 0, total: 12, workers: 3)
    XCTAssertEqual(three.next(shares: [2, 2, 2]), [0..<2, 6..<8, 10..<12])
    // Gap 2..<6 (4 units) goes half to worker 0 and 1; gap 8..<10 (2) half to worker 2.
    XCTAssertEqual(three.next(shares: [2, 2, 2]), [2..<3, 5..<6, 9..<10])
  }
}
