public import FloeKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A reduction run by the BSP cycle: rank 0 schedules supersteps, workers read and reduce
/// their units and merge partials along the canonical tree; worker 0 keeps the results and
/// writes them. Alone (a world of one), rank 0 does both roles.
public struct ReductionJob: Sendable {
  public let plan: ReductionPlan
  public let sizing: SuperstepSizing
  public let reducer: any Reducer

  public init(plan: ReductionPlan, sizing: SuperstepSizing, reducer: any Reducer) {
    self.plan = plan
    self.sizing = sizing
    self.reducer = reducer
  }

  /// Workers: every rank but 0, or rank 0 alone.
  public static func workers(worldSize: Int) -> Int { Swift.max(1, worldSize - 1) }

  /// Runs the job on this rank. Rank 0 returns the summary; the others return nil.
  /// A failure anywhere ends every rank: rank 0 prints the error once and every rank
  /// throws `JobFailure`.
  /// - `makeSource` is called on working ranks, before the first superstep.
  /// - `makeSink` is called on the keeper once every unit is merged.
  /// - `checkpointing`: saves progress on the keeper when due, and starts from a saved one.
  /// - `placement`: every rank's host, the same on every rank. A host's workers take
  ///   neighbouring units and merge among themselves first.
  public func run(
    transport: any Transport, placement: Placement,
    makeSource: () throws -> any UnitSource,
    makeSink: () throws -> any ResultSink, log: (String) -> Void,
    checkpointing: Checkpointing? = nil, observe: (SuperstepRecord) -> Void = { _ in }
  ) throws -> RunSummary? {
    StopSignal.install()
    if transport.rank == 0 { log(placement.text) }
    let alone = transport.size == 1
    let workers = Self.workers(worldSize: transport.size)
    let workerRanks = placement.workerRanks
    let index = workerRanks.firstIndex(of: transport.rank) ?? -1
    // A checkpoint holds every unit before a point, so its job sends its nodes to the
    // keeper after every superstep.
    let holding = sizing.holdsNodes && checkpointing == nil
    var worker: Worker?
    if alone || transport.rank > 0 {
      let source: any UnitSource
      do { source = try makeSource() } catch {
        source = UnopenedSource(error: "rank \(transport.rank) on \(transport.host): \(error)")
      }
      worker = Worker(
        plan: plan, sizing: sizing, reducer: reducer, source: source, index: index,
        placement: placement, transport: transport, holdsNodes: holding)
    }
    var restoreError: String?
    if let worker, worker.index == 0, let checkpointing, let state = checkpointing.state {
      do { worker.restore(try state()) } catch {
        restoreError =
          "rank \(transport.rank) on \(transport.host): reading the checkpoint: \(error)"
      }
    }

    // What a worker does with one order; also called inline by a rank 0 that works alone.
    func obey(_ order: Order, step: Int) -> WorkerReport {
      guard let worker else { return WorkerReport() }
      switch order {
      case .work(let range, _):
        return worker.superstep(range, number: step)
      case .finish:
        var report = worker.gather(number: step)
        if worker.index == 0, report.error == nil {
          var sink: (any ResultSink)?
          do {
            sink = try makeSink()
            try worker.finish(into: &sink!)
          } catch {
            sink?.discard()
            report.error =
              "rank \(transport.rank) on \(transport.host): writing the output: \(error)"
          }
        }
        report.peakRSSBytes = ProcessStats.peakRSSBytes
        report.cpuSeconds = ProcessStats.cpuSeconds
        return report
      case .checkpoint(let unitsDone):
        var report = WorkerReport()
        do { try checkpointing?.prepare?() } catch {
          report.error =
            "rank \(transport.rank) on \(transport.host): preparing the checkpoint: \(error)"
        }
        if worker.index == 0, report.error == nil, let checkpointing {
          do { try checkpointing.save(worker.keptState(), unitsDone) } catch {
            report.error =
              "rank \(transport.rank) on \(transport.host): writing the checkpoint: \(error)"
          }
        }
        return report
      case .exit, .explain:
        return WorkerReport()
      }
    }

    if transport.rank != 0 {
      // A worker: follow orders until told to exit.
      var step = 0
      // The error rank 0 asks about is the first: after an order sent ahead, a worker has
      // gone on to the next before it hears.
      var firstError: String?
      func nextOrder() throws -> (Order, waited: Double) {
        let waitStart = ProcessStats.now()
        let order = try transport.scatter([])
        return (order, ProcessStats.now() - waitStart)
      }
      var (order, waited) = try nextOrder()
      while true {
        if case .exit(let code) = order {
          if code != 0 { throw JobFailure(message: "", exitCode: code) }
          return nil
        }
        if order == .explain {
          _ = try transport.gatherText(firstError ?? "")
          (order, waited) = try nextOrder()
          continue
        }
        var report = obey(order, step: step)
        report.waitSeconds = waited
        if step == 0 && restoreError != nil { report.error = restoreError }
        firstError = firstError ?? report.error
        step += 1
        if order.isAhead {
          (order, waited) = try nextOrder()
          // Told to explain or to exit, the worker's last report is not collected.
          switch order {
          case .exit, .explain: continue
          default: _ = try transport.gather(report)
          }
        } else {
          _ = try transport.gather(report)
          (order, waited) = try nextOrder()
        }
      }
    }

    // Rank 0: the scheduler.
    let scheduler = Scheduler(
      plan: plan, sizing: sizing, workers: workers, startingAt: checkpointing?.unitsDone ?? 0,
      order: workerRanks.map { alone ? 0 : $0 - 1 }, holding: holding)
    // With held results, the orders of a superstep go out before the reports of the one
    // before come in (`Order.work`'s `ahead`): a worker that finishes early goes straight on.
    let ahead = holding && !alone
    let start = ProcessStats.now()
    let cpuAtStart = ProcessStats.cpuSeconds
    func orders(_ order: Order, _ ranges: [Range<Int>]?) -> [Order] {
      [Order.exit(0)]
        + (0..<workers).map { w in ranges.map { .work($0[w], ahead: ahead) } ?? order }
    }
    // Every worker's report; if any failed, every worker's error text too.
    func reports() throws -> [WorkerReport] {
      var reports = Array(try transport.gather(WorkerReport()).dropFirst())
      if reports.contains(where: { $0.error != nil }) {
        // The reports carry only a flag: ask every worker for its text.
        _ = try transport.scatter([Order](repeating: .explain, count: transport.size))
        let texts = try transport.gatherText("").dropFirst()
        for (w, text) in zip(reports.indices, texts) where reports[w].error != nil {
          reports[w].error = text
        }
      }
      return reports
    }
    // Takes a superstep's reports; returns the first error.
    func record(
      _ reports: [WorkerReport], _ ranges: [Range<Int>]?, kind: SuperstepRecord.Kind, step: Int,
      started: Double
    ) -> String? {
      let failure = scheduler.record(reports, ranges: ranges)
      observe(
        SuperstepRecord(
          kind: kind, step: step, started: started, ended: ProcessStats.now() - start,
          unitsDone: scheduler.unitsDone, unitsTotal: plan.unitCount,
          unitsAtStart: checkpointing?.unitsDone ?? 0, workers: reports))
      return failure
    }
    // The empty superstep after the last orders sent ahead: its report is still to come.
    var emptyOutstanding = false
    // Sends a superstep's orders (its ranges, else `order` to all) and takes the reports.
    func dispatch(_ order: Order, _ ranges: [Range<Int>]?, _ step: Int) throws -> String? {
      let started = ProcessStats.now() - start
      let kind: SuperstepRecord.Kind =
        ranges != nil ? .work : order == .finish ? .finish : .checkpoint
      if alone {
        let report = obey(ranges.map { .work($0[0], ahead: false) } ?? order, step: step)
        return record([report], ranges, kind: kind, step: step, started: started)
      }
      _ = try transport.scatter(orders(order, ranges))
      if emptyOutstanding {
        // No units, nothing that can fail: counted for its waits only.
        _ = scheduler.record(try reports(), ranges: nil)
        emptyOutstanding = false
      }
      return record(try reports(), ranges, kind: kind, step: step, started: started)
    }
    var failure: String? = alone ? restoreError : nil
    var step = 0
    var sinceCheckpoint = (supersteps: 0, start: start)
    var stopped: Int32?
    // After each superstep: the test signal, and whether the job was told to stop.
    func afterSuperstep() {
      step += 1
      sinceCheckpoint.supersteps += 1
      if let (after, signal, target) = debugSignal, step == after { kill(target, signal) }
      stopped = scheduler.unitsDone < plan.unitCount ? StopSignal.pending : nil
    }
    if ahead, var ranges = scheduler.nextRanges() {
      var started = ProcessStats.now() - start
      _ = try transport.scatter(orders(.finish, ranges))
      while true {
        // The next orders go out first; after the last, empty ones, so that every worker
        // waits for what follows (the output, or the end).
        let next = scheduler.nextRanges()
        _ = try transport.scatter(
          orders(.finish, next ?? [Range<Int>](repeating: 0..<0, count: workers)))
        emptyOutstanding = next == nil
        failure = record(try reports(), ranges, kind: .work, step: step, started: started)
        afterSuperstep()
        guard failure == nil, stopped == nil, let next else { break }
        ranges = next
        // The workers went on to it as they finished the one before.
        started = ProcessStats.now() - start
      }
    }
    while !ahead, failure == nil, stopped == nil, let ranges = scheduler.nextRanges() {
      failure = try dispatch(.finish, ranges, step)
      afterSuperstep()
      // Told to stop: the superstep is done; save it (if asked to) and end every rank.
      if failure == nil, let checkpointing, scheduler.unitsDone < plan.unitCount,
        stopped != nil
          || checkpointing.isDue(
            supersteps: sinceCheckpoint.supersteps,
            seconds: ProcessStats.now() - sinceCheckpoint.start)
      {
        failure = try dispatch(.checkpoint(scheduler.unitsDone), nil, step)
        step += 1
        sinceCheckpoint = (0, ProcessStats.now())
      }
    }
    if let stopped, failure == nil {
      let saved =
        checkpointing.map {
          "progress saved in \($0.location); run the same command with --resume to continue"
        } ?? "nothing saved (no --checkpoint)"
      let message =
        "stopped by \(StopSignal.name(stopped)) after \(scheduler.unitsDone) of \(plan.unitCount) units: \(saved)"
      if !alone {
        _ = try transport.scatter(
          [Order](repeating: .exit(StopSignal.exitCode), count: transport.size))
      }
      // Printed even with --quiet: the job did not finish, and this says how to go on.
      writeStandardError("floe: \(message)\n")
      throw JobFailure(message: message, exitCode: StopSignal.exitCode)
    }
    if failure == nil { failure = try dispatch(.finish, nil, step) }
    let code = failure == nil ? 0 : JobFailure.failedExitCode
    if !alone { _ = try transport.scatter([Order](repeating: .exit(code), count: transport.size)) }
    if let failure {
      Agreement.printError(failure)
      throw JobFailure(message: failure, exitCode: code)
    }
    var summary = scheduler.summary(
      wallSeconds: ProcessStats.now() - start,
      schedulerCPUSeconds: ProcessStats.cpuSeconds - cpuAtStart)
    summary.placement = placement
    return summary
  }
}

/// For the tests of the batch system's warning: FLOE_DEBUG_SIGNAL="K:SIGNAL:launcher" makes
/// rank 0 send SIGNAL (a number) after superstep K to its parent — mpirun, which passes it
/// on to every rank — and "K:SIGNAL:self" to itself alone.
public let debugSignal: (Int, Int32, pid_t)? = getenv("FLOE_DEBUG_SIGNAL").flatMap {
  let parts = String(cString: $0).split(separator: ":")
  guard parts.count == 3, let after = Int(parts[0]), let signal = Int32(parts[1]) else {
    return nil
  }
  return (after, signal, parts[2] == "self" ? getpid() : getppid())
}

/// Stands in for a source that could not be opened: every read reports why.
struct UnopenedSource: UnitSource {
  let error: String
  var readsFloat32: Bool { true }
  var decoding: CFDecoding { CFDecoding() }
  var dimensionNames: [String] { [] }
  var description: String { "the input" }
  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws {
    throw PlanError(error)
  }
}
