import FloeKernels
import XCTest

@testable import FloeRuntime

/// Units larger than a piece stream through the cache in pieces, along time (folded into
/// one partial) or along their kept points (placed side by side); the results are bit for
/// bit those of whole units.
final class PieceTests: XCTestCase {
  /// Any reducer, told to take whole units.
  struct WholeUnits: Reducer {
    let base: any Reducer
    var name: String { base.name }
    var fieldsPerPoint: Int { base.fieldsPerPoint }
    var groups: Int? { base.groups }
    var accumulatesInPieces: Bool { false }
    func makePartial(points: Int) -> Partial { base.makePartial(points: points) }
    func accumulate(_ block: Block, into partial: inout Partial) {
      base.accumulate(block, into: &partial)
    }
    func merge(_ right: Partial, into left: inout Partial) { base.merge(right, into: &left) }
    func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
      base.finalize(partial, into: output)
    }
  }

  /// Any reducer, its placed pieces reduced into partials of their own and copied into the
  /// unit's (it does not fold them in place, `ReducesPiecesInPlace`).
  struct PlacedPieces: Reducer {
    let base: any Reducer
    var name: String { base.name }
    var fieldsPerPoint: Int { base.fieldsPerPoint }
    var groups: Int? { base.groups }
    var accumulatesInPieces: Bool { base.accumulatesInPieces }
    var pointsAreIndependent: Bool { base.pointsAreIndependent }
    func makePartial(points: Int) -> Partial { base.makePartial(points: points) }
    func accumulate(_ block: Block, into partial: inout Partial) {
      base.accumulate(block, into: &partial)
    }
    func merge(_ right: Partial, into left: inout Partial) { base.merge(right, into: &left) }
    func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
      base.finalize(partial, into: output)
    }
  }

  // 200,000 steps of 2 x 2 points in chunks of 100,000 steps: 1.6 MB units, pieces of
  // 65,536 steps (1 MiB).
  let shape = [200_000, 2, 2]
  lazy var data: [Float] = Self.values(shape.reduce(1, *))

  /// Values in 200..300 with 5 % missing (1e20).
  static func values(_ count: Int) -> [Float] {
    var state: UInt64 = 5
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let u = Double(state >> 11) / Double(1 << 53)
      return u < 0.05 ? 1e20 : Float(200 + 100 * u)
    }
  }

  func run(_ reducer: any Reducer, reduced: [Bool]) throws -> [Double] {
    try run(reducer, reduced: reduced, data: data, shape: shape, chunks: [100_000, 2, 2])
  }

  func run(
    _ reducer: any Reducer, reduced: [Bool], data: [Float], shape: [Int], chunks: [Int],
    band: Int? = nil
  ) throws -> [Double] {
    let plan = ReductionPlan(
      shape: shape, reduced: reduced, chunks: chunks, targetUnitElements: 1, band: band)
    let sizing = try SuperstepSizing(
      plan: plan, workers: 2, budget: MemorySize(bytes: 64 << 20), elementSize: 4,
      fieldsPerPoint: reducer.fieldsPerPoint)
    let job = ReductionJob(plan: plan, sizing: sizing, reducer: reducer)
    let sink = MemorySink(shape: (reducer.groups.map { [$0] } ?? []) + plan.outputShape)
    for result in LocalWorld(size: 3).run({ transport in
      try job.run(
        transport: transport, placement: transport.world.placement,
        makeSource: { ArraySource(data: data, shape: shape) },
        makeSink: { sink }, log: { _ in })
    }) { _ = try result.get() }
    return sink.values
  }

  func testPiecesGiveTheBitsOfWholeUnits() throws {
    let plan = ReductionPlan(
      shape: shape, reduced: [true, false, false], chunks: [100_000, 2, 2], targetUnitElements: 1)
    // The units' runs of 2 x 2 points are far too short to cut along the points.
    let pieces = UnitPieces.choose(
      plan: plan, reducer: Statistic.mean.reducer, source: ArraySource(data: [], shape: shape),
      elementSize: 4)
    XCTAssertEqual(pieces, UnitPieces(kind: .folded, dimension: 0, length: 65_536))
    let reducers: [any Reducer] = [
      Statistic.mean.reducer, Statistic.sum.reducer, Statistic.count.reducer,
      Statistic.min.reducer, Statistic.max.reducer,
      WeightedSumReducer(weights: [0.25, 2], axis: 1, mean: true),
    ]
    for reducer in reducers {
      for reduced in [[true, false, false], [true, true, false]] {
        let streamed = try run(reducer, reduced: reduced)
        let whole = try run(WholeUnits(base: reducer), reduced: reduced)
        XCTAssertEqual(
          streamed.map(\.bitPattern), whole.map(\.bitPattern), "\(reducer.name) \(reduced)")
        XCTAssertFalse(streamed.contains { $0.isInfinite }, "every point written")
      }
    }
  }

  // 16 steps of 512 x 300 points in chunks of 8 steps: 4.9 MB units, cut into 256 + 256
  // latitude rows (pieces of equal length, under 4 MiB, with every step of their points).
  func testPlacedPiecesGiveTheBitsOfWholeUnits() throws {
    let shape = [16, 512, 300]
    let chunks = [8, 512, 300]
    let data = Self.values(shape.reduce(1, *))
    let plan = ReductionPlan(
      shape: shape, reduced: [true, false, false], chunks: chunks, targetUnitElements: 1)
    let source = ArraySource(data: [], shape: shape)
    let mean = Statistic.mean.reducer
    XCTAssertEqual(
      UnitPieces.choose(plan: plan, reducer: mean, source: source, elementSize: 4),
      UnitPieces(kind: .placed, dimension: 1, length: 256))
    // A field mean (time kept): its points are steps, cut into pieces of 4 steps, each
    // step's rows summed in the same order as in the whole unit.
    let latitudes: [Double] = (0..<512).map { (row: Int) -> Double in
      cos((Double(row) - 255.5) / 512 * Double.pi)
    }
    let areas: [Double] = (0..<(512 * 300)).map { (cell: Int) -> Double in
      latitudes[cell / 300] * Double(1 + cell % 3)
    }
    let fieldMeans: [any Reducer] = [
      WeightedSumReducer(weights: latitudes, axis: 1, mean: true),
      WeightedSumReducer(weights: areas, axes: [1, 2], extents: [512, 300], mean: false),
    ]
    let fieldPlan = ReductionPlan(
      shape: shape, reduced: [false, true, true], chunks: chunks, targetUnitElements: 1)
    for reducer in fieldMeans {
      XCTAssertEqual(
        UnitPieces.choose(plan: fieldPlan, reducer: reducer, source: source, elementSize: 4),
        UnitPieces(kind: .placed, dimension: 0, length: 4))
      let placed = try run(
        reducer, reduced: [false, true, true], data: data, shape: shape, chunks: chunks)
      let whole = try run(
        WholeUnits(base: reducer), reduced: [false, true, true], data: data, shape: shape,
        chunks: chunks)
      XCTAssertEqual(placed.count, 16)
      XCTAssertEqual(differing(placed, whole), 0, "field \(reducer.name): placed")
    }

    // Two groups that each unit crosses: steps 0-4 and 5-15. And groups that come back
    // within a unit (0 0 0 1 1 1 0 0 in each), which a mean continues in place and a
    // standard deviation, which cannot continue, places from partials of their own.
    let months: [Int32] = (0..<16).map { $0 < 5 ? 0 : 1 }
    let returning: [Int32] = (0..<16).map { $0 % 8 < 3 || $0 % 8 >= 6 ? 0 : 1 }
    var reducers: [any Reducer] = [
      mean, Statistic.sum.reducer, Statistic.count.reducer, Statistic.min.reducer,
      Statistic.max.reducer, Statistic.standardDeviation.reducer, Statistic.variance.reducer,
      // Weights along latitude, which pieces cut: each piece's rows find their own weights.
      WeightedSumReducer(weights: latitudes, axis: 1, mean: false),
    ]
    for groups in [months, returning] {
      reducers += [mean, Statistic.min.reducer, Statistic.standardDeviation.reducer].map {
        GroupedReducer(base: $0, groupOfIndex: groups, groupCount: 2)
      }
    }
    for reducer in reducers {
      let label = "\(reducer.name)\(reducer.groups == nil ? "" : " grouped")"
      let inPlace = try run(
        reducer, reduced: [true, false, false], data: data, shape: shape, chunks: chunks)
      let placed = try run(
        PlacedPieces(base: reducer), reduced: [true, false, false], data: data, shape: shape,
        chunks: chunks)
      let whole = try run(
        WholeUnits(base: reducer), reduced: [true, false, false], data: data, shape: shape,
        chunks: chunks)
      XCTAssertEqual(inPlace.count, (reducer.groups ?? 1) * 512 * 300)
      XCTAssertEqual(differing(inPlace, whole), 0, "\(label): folded in place")
      XCTAssertEqual(differing(placed, whole), 0, "\(label): placed")
    }
    // Which grouped partials fold in place: not a standard deviation's when a group returns.
    func unit(_ groups: [Int32], _ base: any Reducer) -> Bool {
      [Float](repeating: 1, count: 8 * 2).withUnsafeBufferPointer { values in
        let block = Block(
          values: .float32(values), shape: [8, 2, 1], start: [0, 0, 0],
          reduced: [true, false, false], missing: MissingValues())
        return GroupedReducer(base: base, groupOfIndex: groups, groupCount: 2)
          .unsetPartial(points: 4, piecesLike: block) != nil
      }
    }
    XCTAssertTrue(unit(months, mean))
    XCTAssertTrue(unit(returning, mean))
    XCTAssertTrue(unit(months, Statistic.standardDeviation.reducer))
    XCTAssertFalse(unit(returning, Statistic.standardDeviation.reducer))
    // Latitude kept, longitude reduced too: each row's values in the same order.
    for reducer in [mean, Statistic.standardDeviation.reducer] {
      let streamed = try run(
        reducer, reduced: [true, false, true], data: data, shape: shape, chunks: chunks)
      let whole = try run(
        WholeUnits(base: reducer), reduced: [true, false, true], data: data, shape: shape,
        chunks: chunks)
      XCTAssertEqual(differing(streamed, whole), 0, "\(reducer.name) by lat")
    }
  }

  // Tiles cut into bands of latitude rows (TileBands): every point's units, merge tree and
  // so bits are those of the whole tile, for any band, with or without pieces in a unit.
  func testBandsGiveTheBitsOfWholeTiles() throws {
    let shape = [16, 512, 300]
    let chunks = [8, 512, 300]
    let data = Self.values(shape.reduce(1, *))
    let months: [Int32] = (0..<16).map { $0 < 5 ? 0 : 1 }
    let reducers: [any Reducer] = [
      Statistic.mean.reducer, Statistic.standardDeviation.reducer, Statistic.max.reducer,
      GroupedReducer(base: Statistic.mean.reducer, groupOfIndex: months, groupCount: 2),
      GroupedReducer(
        base: Statistic.standardDeviation.reducer, groupOfIndex: months, groupCount: 2),
    ]
    for reducer in reducers {
      let whole = try run(
        reducer, reduced: [true, false, false], data: data, shape: shape, chunks: chunks)
      XCTAssertEqual(whole.count, (reducer.groups ?? 1) * 512 * 300)
      // Whole tiles of 512 rows: units of 4.9 MB, read in pieces. Bands of 300 rows (and
      // 212), 100 (five and a short last one), 7.
      for band in [300, 100, 7] {
        let banded = try run(
          reducer, reduced: [true, false, false], data: data, shape: shape, chunks: chunks,
          band: band)
        XCTAssertEqual(differing(banded, whole), 0, "\(reducer.name) in bands of \(band)")
      }
    }
  }

  /// How many values differ in their bits (a count, not 150,000 values in a failure).
  func differing(_ a: [Double], _ b: [Double]) -> Int {
    a.count == b.count ? zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count : -1
  }
}
