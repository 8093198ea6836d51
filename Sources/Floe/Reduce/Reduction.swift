import FloeHDF5
import FloeKernels
public import FloeMPI
public import FloeRuntime
import Foundation

/// `floe reduce`: plans on rank 0, runs the BSP job on every rank, writes on the keeper.
public enum Reduction {
  /// Runs `request` on every rank of `world`. Rank 0 prints the plan and the summary (to
  /// `log`) and returns the summary; other ranks return nil. Any failure ends every rank
  /// with one message and `JobFailure`.
  public static func run(_ request: ReduceRequest, world: Communicator, log: (String) -> Void)
    throws -> RunSummary?
  {
    let watch = try RunWatch(request, world: world)
    return try watch.around { try run(request, world: world, log: log, watch: watch) }
  }

  static func run(
    _ request: ReduceRequest, world: Communicator, log: (String) -> Void, watch: RunWatch
  ) throws -> RunSummary? {
    if request.readOnly {
      // The floor: the same plan, units and supersteps as a time mean, without the mean.
      var plain = request
      plain.statistic = .mean
      plain.weights = nil
      let setup = try plan(plain, world: world, log: log)
      return try execute(
        plain, setup: setup, reducer: ReadOnlyPass(), world: world, log: log, watch: watch,
        phase: "read only"
      ) { _, _ in DiscardedResult() }
    }
    if case .percentile(let q) = request.statistic {
      return try Percentiles.run(request, q: q, world: world, log: log, watch: watch)
    }
    let setup = try plan(request, world: world, log: log)
    return try execute(
      request, setup: setup, reducer: setup.reducer(for: request), world: world, log: log,
      watch: watch, checkpointing: try checkpointing(request, setup: setup, world: world, log: log)
    ) { setup, source in
      try NetCDFResultSink(request: request, setup: setup, source: source)
    }
  }

  /// `--checkpoint` and `--resume`: rank 0 checks the directory and any saved progress
  /// against this job's fingerprint; every rank learns where the job starts. `units` says
  /// what the saved progress counts when it is not the plan's units (percentiles: rows).
  static func checkpointing(
    _ request: ReduceRequest, setup: ReductionSetup, world: Communicator, log: (String) -> Void,
    units: (description: String, count: Int, noun: String)? = nil
  ) throws -> Checkpointing? {
    guard let options = request.checkpoint else { return nil }
    let path = options.path
    let encoded = try Agreement.rankZero(world) { () throws -> [UInt8] in
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: options.directory, isDirectory: &isDirectory),
        isDirectory.boolValue
      else { throw ReduceError("--checkpoint \(options.directory): no such directory") }
      var fingerprint = try JobFingerprint(request: request, setup: setup)
      if let units { fingerprint.fields["units"] = units.description }
      var unitsDone = 0
      if options.resume, let saved = try CheckpointFile.read(path) {
        try fingerprint.check(saved: saved.fingerprint, at: path)
        unitsDone = saved.unitsDone
        let total = units.map { "\($0.count) \($0.noun)" } ?? "\(setup.plan.unitCount) units"
        log("floe: resuming from \(path): \(unitsDone) of \(total) done")
      } else if options.resume {
        log("floe: no checkpoint in \(options.directory) yet: starting from the beginning")
      }
      return Array(try JSONEncoder().encode(Resume(unitsDone: unitsDone, fingerprint: fingerprint)))
    }
    let bytes = try world.broadcastArray(encoded ?? [], root: 0)
    let start = try JSONDecoder().decode(Resume.self, from: Data(bytes))
    let fingerprint = start.fingerprint
    let load: @Sendable () throws -> [UInt8] = {
      guard let saved = try CheckpointFile.read(path) else {
        throw ReduceError("\(path) disappeared")
      }
      return try saved.state()
    }
    let kill = DebugKill(after: "FLOE_DEBUG_KILL_AFTER_CHECKPOINT")
    let save: @Sendable ([UInt8], Int) throws -> Void = { state, unitsDone in
      try CheckpointFile.write(state, unitsDone: unitsDone, fingerprint: fingerprint, to: path)
      kill.saved()
    }
    return Checkpointing(
      everySupersteps: options.everySupersteps, everySeconds: options.everySeconds,
      unitsDone: start.unitsDone, state: start.unitsDone == 0 ? nil : load, location: path,
      save: save)
  }

  /// For the tests of a worker killed mid-run: the keeper dies by SIGKILL once it has saved
  /// as many checkpoints as the environment variable says.
  final class DebugKill: @unchecked Sendable {
    private let after: Int?
    private var saves = 0
    init(after variable: String) {
      after = getenv(variable).flatMap { Int(String(cString: $0)) }
    }
    func saved() {
      saves += 1
      if let after, saves == after { kill(getpid(), SIGKILL) }
    }
  }

  /// Where a job starts, as rank 0 tells the others.
  struct Resume: Codable {
    var unitsDone: Int
    var fingerprint: JobFingerprint
  }

  /// Rank 0 reads the metadata, checks the request, plans and prints the plan; every rank
  /// gets the same setup.
  static func plan(
    _ request: ReduceRequest, world: Communicator, log: (String) -> Void
  ) throws -> ReductionSetup {
    let workers = ReductionJob.workers(worldSize: world.size)
    var weights: [Double] = []
    let placement = try Placement.gather(MPITransport(world))
    let encoded = try Agreement.rankZero(world) { () throws -> [UInt8] in
      guard let placement else { preconditionFailure("rank 0 gathers the placement") }
      var setup = try ReductionSetup.prepare(request, workers: workers, placement: placement)
      if case .percentile = request.statistic {
        // Percentiles size and check their bands themselves (PercentileLayout).
      } else {
        let sizing = try setup.sizing()
        try request.memory.check(need: sizing.bytesPerRank, placement: placement)
        log(setup.planText(request, sizing: sizing))
      }
      weights = setup.weights ?? []
      setup.weights = nil
      return Array(try JSONEncoder().encode(setup))
    }
    let bytes = try world.broadcastArray(encoded ?? [], root: 0)
    var setup = try JSONDecoder().decode(ReductionSetup.self, from: Data(bytes))
    if setup.weightAxes != nil { setup.weights = try world.broadcastArray(weights, root: 0) }
    return setup
  }

  /// Runs the BSP job. The workers open the input together through MPI-IO (rank 0, when
  /// there are workers, does not read); `readersReady` runs on every reader with the
  /// readers' communicator before the job (collective among readers: the anomaly opens its
  /// output there); the keeper writes through `makeSink`.
  static func execute(
    _ request: ReduceRequest, setup: ReductionSetup, reducer: any Reducer, world: Communicator,
    log: (String) -> Void, watch: RunWatch, phase: String? = nil,
    readersReady: (Communicator) throws -> Void = { _ in }, checkpointing: Checkpointing? = nil,
    removesCheckpoint: Bool = true,
    makeSink: @escaping (ReductionSetup, HDF5UnitSource) throws -> any ResultSink
  ) throws -> RunSummary? {
    let sizing = try setup.sizing()
    let job = ReductionJob(plan: setup.plan, sizing: sizing, reducer: reducer)
    if watch.watching {
      watch.begin(
        phase ?? request.cellMethod, plan: setup.planText(request, sizing: sizing),
        budgetBytes: setup.budgetBytes)
    }
    let readers = try world.split(color: world.rank == 0 && world.size > 1 ? 0 : 1, key: world.rank)
    let holder = SourceHolder()
    defer {
      holder.source = nil  // closes the input (collective among readers) before the communicator
      _ = readers.communicator.size
    }
    if world.rank > 0 || world.size == 1 { try readersReady(readers.communicator) }
    let summary = try job.run(
      transport: MPITransport(world), placement: setup.placement,
      makeSource: {
        let source = try HDF5UnitSource(
          path: request.input, variable: request.variable, setup: setup,
          communicator: readers.communicator)
        holder.source = source
        return source
      },
      makeSink: {
        guard let source = holder.source else { throw ReduceError("the input was never opened") }
        return try makeSink(setup, source)
      },
      log: log, checkpointing: checkpointing, observe: watch.observe)
    watch.end(summary)
    if let summary { log(summary.text) }
    // The output is complete: its checkpoint has served.
    if summary != nil, removesCheckpoint, let path = request.checkpoint?.path { unlink(path) }
    return summary
  }
}

/// Keeps the input open across the run and closes it at a chosen point.
final class SourceHolder {
  var source: HDF5UnitSource?
}

/// `--read-only`'s "reducer": every unit is read (and decoded where CF says so), nothing
/// is computed, nothing is exchanged but empty partials.
struct ReadOnlyPass: Reducer {
  var name: String { "read-only" }
  var fieldsPerPoint: Int { 0 }
  /// Read as a time mean would read: in pieces that stay in cache.
  var pointsAreIndependent: Bool { true }
  func accumulate(_ block: Block, into partial: inout Partial) {}
  func merge(_ right: Partial, into left: inout Partial) {}
  func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {}
}

extension Reduction {
  /// The plan `floe reduce` would print for `request` on `ranks` ranks, from the inputs'
  /// metadata alone (`floe info --plan`). The output is not looked at.
  /// `ranksPerNode`: ranks on each node, for `--memory-per-node` (default: all on one).
  public static func planText(_ request: ReduceRequest, ranks: Int, ranksPerNode: Int? = nil)
    throws -> String
  {
    var request = request
    request.readOnly = true  // no output to check
    let workers = ReductionJob.workers(worldSize: ranks)
    let setup = try ReductionSetup.prepare(
      request, workers: workers,
      placement: .assumed(ranks: ranks, perHost: ranksPerNode ?? ranks))
    let text: String
    if case .percentile = request.statistic {
      text = try PercentileLayout(request, setup: setup, workers: workers)
        .planText(request, setup: setup, checkpoints: false)
    } else {
      text = setup.planText(request, sizing: try setup.sizing())
    }
    return "floe: plan for \(ranks) rank(s) (rank 0 schedules, \(workers) worker(s)):\n" + text
  }
}
