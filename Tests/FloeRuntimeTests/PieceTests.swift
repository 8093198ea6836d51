import FloeKernels
import FloeRuntime
import XCTest

/// Units larger than a piece stream through the cache in pieces along time; the results
/// are bit for bit those of whole units.
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

  // 200,000 steps of 2 x 2 points in chunks of 100,000 steps: 1.6 MB units, pieces of
  // 65,536 steps (1 MiB).
  let shape = [200_000, 2, 2]
  lazy var data: [Float] = {
    var state: UInt64 = 5
    return (0..<shape.reduce(1, *)).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let u = Double(state >> 11) / Double(1 << 53)
      return u < 0.05 ? 1e20 : Float(200 + 100 * u)
    }
  }()

  func run(_ reducer: any Reducer, reduced: [Bool]) throws -> [Double] {
    let plan = ReductionPlan(
      shape: shape, reduced: reduced, chunks: [100_000, 2, 2], targetUnitElements: 1)
    let sizing = try SuperstepSizing(
      plan: plan, workers: 2, budget: MemorySize(bytes: 64 << 20), elementSize: 4,
      fieldsPerPoint: reducer.fieldsPerPoint)
    let job = ReductionJob(plan: plan, sizing: sizing, reducer: reducer)
    let sink = MemorySink(shape: plan.outputShape)
    let (data, shape) = (self.data, self.shape)
    for result in LocalWorld(size: 3).run({ transport in
      try job.run(
        transport: transport, makeSource: { ArraySource(data: data, shape: shape) },
        makeSink: { sink }, log: { _ in })
    }) { _ = try result.get() }
    return sink.values
  }

  func testPiecesGiveTheBitsOfWholeUnits() throws {
    let plan = ReductionPlan(
      shape: shape, reduced: [true, false, false], chunks: [100_000, 2, 2], targetUnitElements: 1)
    let pieces = Worker.pieces(
      plan: plan, reducer: Statistic.mean.reducer, source: ArraySource(data: [], shape: shape),
      elementSize: 4)
    XCTAssertEqual(pieces?.dimension, 0)
    XCTAssertEqual(pieces?.length, 65_536)
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
}
