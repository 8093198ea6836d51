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
      case .work(let range):
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
      var lastError: String?
      while true {
        let waitStart = ProcessStats.now()
        let order = try transport.scatter([])
        let waited = ProcessStats.now() - waitStart
        if case .exit(let code) = order {
          if code != 0 { throw JobFailure(message: "", exitCode: code) }
          return nil
        }
        if order == .explain {
          _ = try transport.gatherText(lastError ?? "")
          continue
        }
        var report = obey(order, step: step)
        report.waitSeconds = waited
        if step == 0 && restoreError != nil { report.error = restoreError }
        lastError = report.error
        _ = try transport.gather(report)
        step += 1
      }
    }

    // Rank 0: the scheduler.
    let scheduler = Scheduler(
      plan: plan, sizing: sizing, workers: workers, startingAt: checkpointing?.unitsDone ?? 0,
      order: workerRanks.map { alone ? 0 : $0 - 1 }, holding: holding)
    let start = ProcessStats.now()
    let cpuAtStart = ProcessStats.cpuSeconds
    // Sends the superstep's orders (its ranges, else `order` to all) and collects reports.
    func dispatch(_ order: Order, _ ranges: [Range<Int>]?, _ step: Int) throws -> [WorkerReport] {
      let started = ProcessStats.now() - start
      let reports = try collect(order, ranges, step)
      let kind: SuperstepRecord.Kind =
        ranges != nil ? .work : order == .finish ? .finish : .checkpoint
      observe(
        SuperstepRecord(
          kind: kind, step: step, started: started, ended: ProcessStats.now() - start,
          unitsDone: scheduler.position, unitsTotal: plan.unitCount,
          unitsAtStart: checkpointing?.unitsDone ?? 0, workers: reports))
      return reports
    }
    func collect(_ order: Order, _ ranges: [Range<Int>]?, _ step: Int) throws -> [WorkerReport] {
      if alone { return [obey(ranges.map { .work($0[0]) } ?? order, step: step)] }
      let orders = [Order.exit(0)] + (0..<workers).map { w in ranges.map { .work($0[w]) } ?? order }
      _ = try transport.scatter(orders)
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
    var failure: String? = alone ? restoreError : nil
    var step = 0
    var sinceCheckpoint = (supersteps: 0, start: start)
    var stopped: Int32?
    while failure == nil, stopped == nil, let ranges = scheduler.nextRanges() {
      let reports = try dispatch(.finish, ranges, step)
      failure = scheduler.record(reports, ranges: ranges)
      step += 1
      sinceCheckpoint.supersteps += 1
      if let (after, signal, target) = debugSignal, step == after { kill(target, signal) }
      // Told to stop: the superstep is done; save it (if asked to) and end every rank.
      let unitsLeft = scheduler.position < plan.unitCount
      stopped = unitsLeft ? StopSignal.pending : nil
      if failure == nil, let checkpointing, unitsLeft,
        stopped != nil
          || checkpointing.isDue(
            supersteps: sinceCheckpoint.supersteps,
            seconds: ProcessStats.now() - sinceCheckpoint.start)
      {
        failure = scheduler.record(
          try dispatch(.checkpoint(scheduler.position), nil, step), ranges: nil)
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
        "stopped by \(StopSignal.name(stopped)) after \(scheduler.position) of \(plan.unitCount) units: \(saved)"
      if !alone {
        _ = try transport.scatter(
          [Order](repeating: .exit(StopSignal.exitCode), count: transport.size))
      }
      // Printed even with --quiet: the job did not finish, and this says how to go on.
      writeStandardError("floe: \(message)\n")
      throw JobFailure(message: message, exitCode: StopSignal.exitCode)
    }
    if failure == nil {
      let reports = try dispatch(.finish, nil, step)
      failure = scheduler.record(reports, ranges: nil)
    }
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
