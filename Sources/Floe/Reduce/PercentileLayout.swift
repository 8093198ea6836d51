import FloeHDF5
import FloeRuntime

/// How a percentile job cuts its work: the output points in bands of rows along the first
/// kept dimension, sized by `--memory-per-rank`, one band per worker per superstep; and
/// each worker's share of the time steps (whole time chunks, contiguous, in worker order).
/// The same on every rank; only `rows` and `rowPoints` outlive a rank count (a checkpoint
/// counts finished rows).
struct PercentileLayout {
  let shape: [Int]
  let workers: Int
  let steps: Int
  /// Rows of the first kept dimension; a 1-D series is one row of one point.
  let rows: Int
  let rowPoints: Int
  let spatial: Bool
  let groups: GroupSpec?
  let readsFloat32: Bool
  let chunkSteps: Int
  /// Bytes per rank for each row of a band.
  let bytesPerRow: Int
  let bandRows: Int
  let budgetBytes: Int
  /// The budget as given ("--memory-per-rank 1.0 GiB").
  let budgetText: String

  var groupCount: Int { groups?.count ?? 1 }

  init(_ request: ReduceRequest, setup: ReductionSetup, workers: Int) throws {
    shape = setup.shape
    guard
      setup.reduced == [true] + [Bool](repeating: false, count: shape.count - 1),
      setup.weights == nil
    else {
      throw ReduceError(
        "--op \(request.statistic) reduces over time (the first dimension) only, without --weights")
    }
    self.workers = workers
    steps = shape[0]
    spatial = shape.count >= 2
    rows = spatial ? shape[1] : 1
    rowPoints = shape.dropFirst(2).reduce(1, *)
    groups = setup.groups
    readsFloat32 = setup.readsFloat32 && !setup.decoding.isPacked
    chunkSteps = max(1, setup.chunks?.first ?? 1)
    budgetBytes = setup.budgetBytes
    budgetText = setup.budgetText
    // The read, straight into the send buffer (all workers' bands for this worker's time
    // share), counted twice for the room MPI's exchange and the process itself take; the
    // whole series of its own band (in the type read); and the results (grouped, as CDO's
    // ymonpctl: one result per group).
    let (steps, chunkSteps) = (steps, chunkSteps)
    let largestShare =
      (0..<workers).map {
        Self.share($0, steps: steps, chunkSteps: chunkSteps, workers: workers).count
      }.max() ?? steps
    let valueBytes = readsFloat32 ? 4 : 8
    let groupCount = setup.groups?.count ?? 1
    bytesPerRow = ((2 * largestShare * workers + steps) * valueBytes + groupCount * 8) * rowPoints
    bandRows = min(max(1, (rows + workers - 1) / workers), setup.budgetBytes / bytesPerRow)
    guard bandRows >= 1 else {
      throw ReduceError(
        "\(setup.budgetText) cannot hold one row of \(steps) time steps "
          + "for a percentile: it needs \(MemorySize.format(bytesPerRow)) per rank; give at least that"
      )
    }
    try request.memory.check(
      need: bandRows * bytesPerRow,
      schedulerNeed: request.checkpoint != nil ? groupCount * rows * rowPoints * 8 : 0,
      placement: setup.placement)
  }

  /// Worker w's time steps.
  func share(_ w: Int) -> Range<Int> {
    Self.share(w, steps: steps, chunkSteps: chunkSteps, workers: workers)
  }

  private static func share(_ w: Int, steps: Int, chunkSteps: Int, workers: Int) -> Range<Int> {
    let chunkRows = (steps + chunkSteps - 1) / chunkSteps
    let a = chunkRows * w / workers
    let b = chunkRows * (w + 1) / workers
    return min(steps, a * chunkSteps)..<min(steps, b * chunkSteps)
  }

  /// Supersteps for the rows after `rowsDone`.
  func supersteps(from rowsDone: Int) -> Int {
    (rows - rowsDone + workers * bandRows - 1) / (workers * bandRows)
  }

  /// Superstep s's rows, when the rows before `rowsDone` are done.
  func rows(ofSuperstep s: Int, from rowsDone: Int) -> Range<Int> {
    let first = rowsDone + s * workers * bandRows
    return first..<min(rows, first + workers * bandRows)
  }

  /// Each worker's band of a superstep's rows.
  func bands(of superstep: Range<Int>) -> [Range<Int>] {
    (0..<workers).map { v in
      let a = min(superstep.upperBound, superstep.lowerBound + v * bandRows)
      return a..<min(superstep.upperBound, a + bandRows)
    }
  }

  /// What a checkpoint's progress counts, in the fingerprint: rows, whatever the bands.
  var checkpointUnits: (description: String, count: Int, noun: String) {
    ("\(rows) rows of \(rowPoints) points (percentile bands)", rows, "rows")
  }

  /// Bytes rank 0 keeps with `--checkpoint`: every finished result, as float64.
  var finishedBytes: Int { groupCount * rows * rowPoints * 8 }

  func planText(_ request: ReduceRequest, setup: ReductionSetup, checkpoints: Bool) -> String {
    "floe: plan: \(request.statistic) of \(request.variable) over \(setup.dimensionNames[0]) (\(steps) steps)"
      + (groups.map { " in \($0.count) groups (\($0.grouping.rawValue))" } ?? "") + ": "
      + "\(supersteps(from: 0)) supersteps of \(workers) band(s) of \(bandRows) x \(rowPoints) points; "
      + "memory per rank \(MemorySize.format(bandRows * bytesPerRow)) of \(budgetText)"
      + (checkpoints
        ? "; rank 0 keeps the finished results for checkpoints: \(MemorySize.format(finishedBytes))"
        : "")
  }

  /// Writes results of `rows` (group-major: `values[(g * rows.count + r) * rowPoints + p]`)
  /// into the output's variable.
  func write(_ values: [Double], rows: Range<Int>, variable: String, to file: OpenFile) throws {
    var origin = [Int](repeating: 0, count: shape.count - 1)
    var count = Array(shape.dropFirst())
    if spatial {
      origin[0] = rows.lowerBound
      count[0] = rows.count
    }
    if groups != nil {
      origin.insert(0, at: 0)
      count.insert(groupCount, at: 0)
    }
    try file.file.dataset(variable).writeResults(
      values, fill: NetCDFResultSink.defaultFloatFill, start: origin, count: count)
  }
}
