import FloeKernels
import FloeRuntime
import XCTest

/// The real scheduler and workers, ranks as threads: same bits for any rank count and any
/// budget; errors end every rank with one message.
final class LocalJobTests: XCTestCase {
  let shape = [53, 6, 7]
  lazy var data: [Float] = {
    var state: UInt64 = 7
    return (0..<shape.reduce(1, *)).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let u = Double(state >> 11) / Double(1 << 53)
      return u < 0.05 ? 1e20 : Float(200 + 100 * u)
    }
  }()

  /// Runs on `ranks` threads with a budget that lets each worker take `share` units per
  /// superstep (0: all of them); `holding`: the workers keep their nodes until the end.
  func run(
    ranks: Int, share: Int, statistic: Statistic, reduced: [Bool], failOn: [Int]? = nil,
    checkpointing: Checkpointing? = nil, hosts: [String]? = nil, holding: Bool = false
  ) throws -> ([Double], [Result<RunSummary?, any Error>]) {
    let plan = ReductionPlan(
      shape: shape, reduced: reduced, chunks: [4, 3, 7], targetUnitElements: 1)
    let reducer = statistic.reducer
    let budget = SuperstepSizing.bytesPerRank(
      plan: plan, workers: ReductionJob.workers(worldSize: ranks),
      share: share == 0 ? plan.unitCount : share,
      elementSize: 4, fieldsPerPoint: reducer.fieldsPerPoint, holding: holding)
    let sizing = try SuperstepSizing(
      plan: plan, workers: ReductionJob.workers(worldSize: ranks),
      budget: MemorySize(bytes: budget),
      elementSize: 4, fieldsPerPoint: reducer.fieldsPerPoint, holding: holding)
    XCTAssertEqual(sizing.holdsNodes, holding)
    let job = ReductionJob(plan: plan, sizing: sizing, reducer: reducer)
    let sink = MemorySink(shape: plan.outputShape)
    let data = self.data
    let shape = self.shape
    let results = LocalWorld(size: ranks, hosts: hosts).run { transport in
      try job.run(
        transport: transport, placement: transport.world.placement,
        makeSource: { ArraySource(data: data, shape: shape, failOnUnit: failOn) },
        makeSink: { sink }, log: { _ in }, checkpointing: checkpointing)
    }
    return (sink.values, results)
  }

  func testSameBitsForAnyRankCountAndBudget() throws {
    for statistic in [Statistic.mean, .standardDeviation, .min, .count] {
      for reduced in [[true, false, false], [false, true, true], [true, false, true]] {
        var first: [Double]?
        var supersteps = Set<Int>()
        for ranks in [1, 2, 3, 5] {
          for (share, holding) in [(1, false), (3, false), (0, false), (1, true), (3, true)] {
            let (values, results) = try run(
              ranks: ranks, share: share, statistic: statistic, reduced: reduced,
              holding: holding)
            let summary = try XCTUnwrap(try results[0].get())
            supersteps.insert(summary.supersteps)
            XCTAssertEqual(summary.units, summary.workers.reduce(0) { $0 + $1.units })
            for r in results.dropFirst() { XCTAssertNil(try r.get()) }
            let bits = values.map(\.bitPattern)
            if let first {
              XCTAssertEqual(
                bits, first.map(\.bitPattern),
                "\(statistic) \(reduced) ranks \(ranks) share \(share) holding \(holding)")
            } else {
              first = values
            }
          }
        }
        XCTAssertGreaterThan(supersteps.count, 2, "budgets should force different superstep counts")
      }
    }
  }

  /// A job saved after every superstep, then resumed from each of its checkpoints at other
  /// rank counts and budgets, gives the bits of a run that was never interrupted.
  func testResumingFromAnyCheckpointGivesTheSameBits() throws {
    final class Saved: @unchecked Sendable {
      let lock = NSLock()
      var checkpoints: [(unitsDone: Int, state: [UInt8])] = []
    }
    for statistic in [Statistic.mean, .standardDeviation] {
      let reduced = [true, false, false]
      let (clean, _) = try run(ranks: 3, share: 2, statistic: statistic, reduced: reduced)
      let saved = Saved()
      let saving = Checkpointing(
        everySupersteps: 1, everySeconds: .infinity,
        save: { state, done in saved.lock.withLock { saved.checkpoints.append((done, state)) } })
      // Sized to hold nodes, but a job that saves checkpoints sends them every superstep.
      let (checkpointed, _) = try run(
        ranks: 3, share: 2, statistic: statistic, reduced: reduced, checkpointing: saving,
        holding: true)
      XCTAssertEqual(checkpointed.map(\.bitPattern), clean.map(\.bitPattern))
      // 28 units, at most 4 per superstep (shares follow the workers' speeds): a checkpoint
      // after each superstep but the last.
      let done = saved.checkpoints.map(\.unitsDone)
      XCTAssertEqual(done, done.sorted())
      XCTAssertEqual(Set(done).count, done.count)
      XCTAssertGreaterThanOrEqual(done.count, 6)
      XCTAssertTrue(done.allSatisfy { $0 > 0 && $0 < 28 }, "\(done)")
      for (done, state) in saved.checkpoints {
        for (ranks, share) in [(1, 5), (2, 1), (5, 3)] {
          let resuming = Checkpointing(
            everySupersteps: 1_000, everySeconds: .infinity, unitsDone: done, state: { state },
            save: { _, _ in })
          let (resumed, results) = try run(
            ranks: ranks, share: share, statistic: statistic, reduced: reduced,
            checkpointing: resuming)
          let summary = try XCTUnwrap(try results[0].get())
          XCTAssertEqual(summary.workers.reduce(0) { $0 + $1.units }, 28 - done)
          XCTAssertEqual(summary.units, 28 - done, "the summary counts this run's units")
          XCTAssertEqual(
            resumed.map(\.bitPattern), clean.map(\.bitPattern),
            "\(statistic) from unit \(done) on \(ranks) ranks")
        }
      }
    }
  }

  /// Ranks spread round several hosts (mpirun --map-by node): the same bits as one rank,
  /// each host's workers merge among themselves, and one message per host but the first
  /// crosses between hosts in each superstep.
  func testEachHostMergesAmongItselfFirst() throws {
    let reduced = [true, false, false]
    let (alone, _) = try run(ranks: 1, share: 0, statistic: .standardDeviation, reduced: reduced)
    for hosts in [
      ["a", "b", "a", "b", "a", "b", "a"], ["a", "b", "c", "a", "b", "c"], ["a", "a", "a", "a"],
    ] {
      let (values, results) = try run(
        ranks: hosts.count, share: 2, statistic: .standardDeviation, reduced: reduced,
        hosts: hosts)
      XCTAssertEqual(values.map(\.bitPattern), alone.map(\.bitPattern), "\(hosts)")
      let summary = try XCTUnwrap(try results[0].get())
      let workers = hosts.count - 1
      let hostsWithWorkers = Set(hosts.dropFirst()).count
      let sum = { (f: (WorkerReport) -> Int) in summary.workers.reduce(0) { $0 + f($1) } }
      XCTAssertEqual(
        sum(\.sent.messagesWithinHost) + sum(\.sent.messagesAcrossHosts),
        summary.supersteps * (workers - 1), "\(hosts): every worker but the keeper sends once")
      XCTAssertEqual(
        sum(\.sent.messagesAcrossHosts), summary.supersteps * (hostsWithWorkers - 1), "\(hosts)")
      XCTAssertEqual(sum(\.sent.bytesAcrossHosts) == 0, hostsWithWorkers == 1, "\(hosts)")
      XCTAssertGreaterThan(sum(\.sent.bytesWithinHost), 0, "\(hosts)")
      XCTAssertEqual(summary.workers[0].sent.messagesWithinHost, 0, "the keeper sends nothing")
    }
  }

  /// Workers that keep their nodes until the end: the same bits, each worker's units one
  /// range, and one message per worker but the keeper in the whole job, within hosts first.
  func testHeldNodesMoveOnceAtTheEnd() throws {
    let reduced = [true, false, false]
    let (alone, _) = try run(ranks: 1, share: 0, statistic: .standardDeviation, reduced: reduced)
    for hosts in [
      ["a", "a", "a"], ["a", "b", "a", "b", "a", "b", "a"], ["a", "a", "a", "a", "a"],
    ] {
      let (values, results) = try run(
        ranks: hosts.count, share: 2, statistic: .standardDeviation, reduced: reduced,
        hosts: hosts, holding: true)
      XCTAssertEqual(values.map(\.bitPattern), alone.map(\.bitPattern), "\(hosts)")
      let summary = try XCTUnwrap(try results[0].get())
      XCTAssertGreaterThan(summary.supersteps, 2, "\(hosts)")
      let workers = hosts.count - 1
      let hostsWithWorkers = Set(hosts.dropFirst()).count
      let sum = { (f: (WorkerReport) -> Int) in summary.workers.reduce(0) { $0 + f($1) } }
      XCTAssertEqual(
        sum(\.sent.messagesWithinHost) + sum(\.sent.messagesAcrossHosts), workers - 1,
        "\(hosts): every worker but the keeper sends once")
      XCTAssertEqual(sum(\.sent.messagesAcrossHosts), hostsWithWorkers - 1, "\(hosts)")
      XCTAssertEqual(summary.workers[0].sent.messagesWithinHost, 0, "the keeper sends nothing")
    }
  }

  func testMatchesAPlainSerialMean() throws {
    let (values, _) = try run(ranks: 3, share: 2, statistic: .mean, reduced: [true, false, false])
    let plane = shape[1] * shape[2]
    for p in 0..<plane {
      let column = (0..<shape[0]).map { data[$0 * plane + p] }.filter { $0 != 1e20 }.map(
        Double.init)
      XCTAssertEqual(values[p], column.reduce(0, +) / Double(column.count), accuracy: 1e-9)
    }
  }

  func testAFailingUnitEndsEveryRankWithOneError() throws {
    for holding in [false, true] {
      let (_, results) = try run(
        ranks: 4, share: 2, statistic: .mean, reduced: [true, false, false], failOn: [20, 3, 0],
        holding: holding)
      try checkOneError(results)
    }
  }

  /// With held results a superstep's orders go out before the last one's reports come in:
  /// a unit failing in the first, a middle or the last superstep (whose successor is the
  /// empty one) still ends every rank with one error naming it, and nothing is written.
  func testAFailingUnitEndsEveryRankWhateverIsSentAhead() throws {
    for ranks in [2, 3, 4] {
      for (failOn, coordinates) in [
        ([0, 0, 0], "d0 0..<4, d1 0..<3"), ([20, 3, 0], "d0 20..<24, d1 3..<6"),
        ([52, 3, 0], "d0 52..<53, d1 3..<6"), ([28, 0, 0], "d0 28..<32, d1 0..<3"),
      ] {
        let (values, results) = try run(
          ranks: ranks, share: 2, statistic: .mean, reduced: [true, false, false],
          failOn: failOn, holding: true)
        try checkOneError(results, naming: coordinates)
        XCTAssertTrue(values.allSatisfy(\.isInfinite), "\(ranks) ranks, \(failOn): output written")
      }
    }
  }

  private func checkOneError(
    _ results: [Result<RunSummary?, any Error>], naming coordinates: String = "d0 20..<24, d1 3..<6"
  ) throws {
    for (rank, result) in results.enumerated() {
      XCTAssertThrowsError(try result.get(), "rank \(rank)") { error in
        XCTAssertEqual((error as? JobFailure)?.exitCode, 1)
        if rank == 0 {
          let text = String(describing: error)
          XCTAssertTrue(text.contains(coordinates + ", d2 0..<7"), text)
          XCTAssertTrue(text.contains("checksum mismatch (simulated)"), text)
          XCTAssertTrue(text.contains("reading for mean"), text)
        }
      }
    }
  }
}
