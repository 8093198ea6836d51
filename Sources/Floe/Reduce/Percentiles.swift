import FloeHDF5
import FloeKernels
import FloeMPI
import FloeRuntime
import Foundation

/// `--op median` and `--op pNN` over time: exact percentiles need every value of a point,
/// so the data is transposed from time to space, one superstep of bands at a time.
///
/// The output points are cut into bands of rows along the first kept dimension, sized by
/// `--memory-per-rank`; superstep s gives one band to each worker. Every worker reads its
/// share of the time steps (whole time chunks) for all the bands of the superstep, and one
/// `MPI_Alltoallv` among the workers hands each worker the whole series of its own band
/// (`Transpose`; float32 data stays float32 until the selection).
/// Each point's valid values are sorted and interpolated linearly (numpy's default), so the
/// result does not depend on the rank count; each worker writes its band into the output,
/// which the workers create and write together. No rank ever holds a whole series of more
/// than its band.
public enum Percentiles {
  static func run(
    _ request: ReduceRequest, q: Double, world: Communicator, log: (String) -> Void,
    watch: RunWatch
  )
    throws -> RunSummary?
  {
    StopSignal.install()
    let setup = try Reduction.plan(request, world: world, log: log)
    // The same on every rank, so a refusal is too: printed once.
    let layout: PercentileLayout
    do {
      layout = try PercentileLayout(
        request, setup: setup, workers: ReductionJob.workers(worldSize: world.size))
    } catch {
      if world.rank == 0 { Agreement.printError("\(error)") }
      throw JobFailure(message: "\(error)", exitCode: JobFailure.failedExitCode)
    }
    let placement = world.rank == 0 ? setup.placement : nil
    if let placement { log(placement.text) }
    let checkpointing = try Reduction.checkpointing(
      request, setup: setup, world: world, log: log, units: layout.checkpointUnits)
    let rowsDone = checkpointing?.unitsDone ?? 0
    if world.rank == 0 {
      let plan = layout.planText(request, setup: setup, checkpoints: checkpointing != nil)
      log(plan)
      watch.begin(request.cellMethod, plan: plan, counts: "rows", budgetBytes: setup.budgetBytes)
    }
    let progress = try PercentileProgress(
      layout: layout, checkpointing: checkpointing, world: world, watch: watch)

    let readers = try world.split(color: world.rank == 0 && world.size > 1 ? 0 : 1, key: world.rank)
    let temporary = request.output + ".floe-partial"
    let output = AnomalyOutput()
    var report = WorkerReport()
    var decision = PercentileProgress.Decision.go
    let start = ProcessStats.now()
    if world.rank > 0 || world.size == 1 {
      let group = readers.communicator
      do {
        output.file = OpenFile(
          try AnomalyOutput.create(
            temporary, request: request, setup: setup, communicator: group,
            axes: Array(1..<setup.shape.count), chunked: false,
            cellMethods: NetCDFResultSink.cellMethods(setup, method: request.statistic.cellMethod),
            groups: setup.groups))
        // A resumed job's finished rows, from the checkpoint, written by one worker.
        if group.rank == 0, rowsDone > 0, let file = output.file {
          try layout.write(
            progress.restored, rows: 0..<rowsDone, variable: request.variable, to: file)
        }
      } catch {
        report.error = "rank \(world.rank): creating the output: \(error)"
      }
      do {
        decision = try transposeAndSelect(
          q, request: request, setup: setup, layout: layout, from: rowsDone, group: group,
          world: world, output: output, progress: progress, report: &report)
      } catch {
        report.error = report.error ?? "rank \(world.rank): \(error)"
      }
      output.file = nil  // collective close among the workers
    } else {
      for s in 0..<layout.supersteps(from: rowsDone) {
        decision = try progress.agree(rows: layout.rows(ofSuperstep: s, from: rowsDone))
        if decision != .go { break }
      }
    }
    report.peakRSSBytes = ProcessStats.peakRSSBytes
    report.cpuSeconds = ProcessStats.cpuSeconds
    _ = readers.communicator.size
    try world.barrier(.sleeping)
    return try finish(
      request, layout: layout, rowsDone: rowsDone, decision: decision, report: report,
      progress: progress, temporary: temporary, start: start, placement: placement, world: world,
      log: log)
  }

  /// Every superstep on a worker: the transpose, the selection, the write of its band, and
  /// the agreement with rank 0 on going on. Every worker takes part in every superstep
  /// until rank 0 says stop, even after an error of its own, so that none waits.
  static func transposeAndSelect(
    _ q: Double, request: ReduceRequest, setup: ReductionSetup, layout: PercentileLayout,
    from rowsDone: Int, group: Communicator, world: Communicator, output: AnomalyOutput,
    progress: PercentileProgress, report: inout WorkerReport
  ) throws -> PercentileProgress.Decision {
    // float32 data stays float32 through the read and the exchange (half the bytes of
    // float64); every other type is read as float64. Values widen to float64 (exactly)
    // for the selection, so both give the same result.
    var readSetup = setup
    readSetup.readsFloat32 = layout.readsFloat32
    let source: HDF5UnitSource
    do {
      source = try HDF5UnitSource(
        path: request.input, variable: request.variable, setup: readSetup, communicator: group)
    } catch {
      // Opening is collective: every worker failed alike. Rank 0 waits for the first
      // superstep's word, and then ends the job.
      report.error = "rank \(world.rank): opening the input: \(error)"
      guard layout.supersteps(from: rowsDone) > 0 else { return .fail }
      return try progress.agree(rows: layout.rows(ofSuperstep: 0, from: rowsDone), report: report)
    }
    let members = stepsOfEachGroup(setup.groups, steps: layout.steps)
    var floats = TransposeBuffers<Float>()
    var doubles = TransposeBuffers<Double>()
    let me = group.rank
    // The workers are world ranks 1, 2, ... (or rank 0 alone), in order.
    let hosts = setup.placement.hosts
    let sharesHost = (0..<group.size).map {
      hosts[world.size > 1 ? $0 + 1 : 0] == hosts[world.rank]
    }
    for s in 0..<layout.supersteps(from: rowsDone) {
      let before = report
      let rows = layout.rows(ofSuperstep: s, from: rowsDone)
      let bands = layout.bands(of: rows)
      let transpose = Transpose(
        shape: setup.shape, rows: rows, bands: bands, mine: layout.share(me), rank: world.rank,
        sharesHost: sharesHost)
      let band = bands[me]
      let points = band.count * layout.rowPoints
      let result: [Double]
      if layout.readsFloat32 {
        result = try transpose.percentiles(
          q, points: points, members: members, source: source, group: group,
          report: &report, buffers: &floats, decode: { setup.decoding.decode($0) })
      } else {
        result = try transpose.percentiles(
          q, points: points, members: members, source: source, group: group,
          report: &report, buffers: &doubles, decode: { setup.decoding.decode($0) })
      }
      if !band.isEmpty && report.error == nil, let file = output.file {
        do {
          try layout.write(result, rows: band, variable: request.variable, to: file)
        } catch {
          report.error = "rank \(world.rank): writing rows \(band): \(error)"
        }
      }
      report.units += band.isEmpty ? 0 : 1
      var superstep = report
      superstep.units -= before.units
      superstep.bytesRead -= before.bytesRead
      superstep.readSeconds -= before.readSeconds
      superstep.computeSeconds -= before.computeSeconds
      superstep.exchangeSeconds -= before.exchangeSeconds
      superstep.sent = report.sent - before.sent
      superstep.peakRSSBytes = ProcessStats.peakRSSBytes
      let decision = try progress.agree(rows: rows, report: superstep, result: result)
      if decision != .go { return decision }
    }
    return .go
  }

  /// Rank 0 collects the reports, names the first error, and renames the output; or, told
  /// to stop, removes it and ends every rank with StopSignal's exit code.
  static func finish(
    _ request: ReduceRequest, layout: PercentileLayout, rowsDone: Int,
    decision: PercentileProgress.Decision, report: WorkerReport, progress: PercentileProgress,
    temporary: String, start: Double, placement: Placement?, world: Communicator,
    log: (String) -> Void
  ) throws -> RunSummary? {
    let transport = MPITransport(world)
    var all = try transport.gather(report)
    let texts = try transport.gatherText(report.error ?? "")
    var failure: String?
    var summary: RunSummary?
    if world.rank == 0 {
      for r in all.indices where all[r].error != nil { all[r].error = texts[r] }
      let workerReports = world.size > 1 ? Array(all.dropFirst()) : all
      failure = progress.failure ?? workerReports.compactMap(\.error).first
      if failure == nil && decision == .go && rename(temporary, request.output) != 0 {
        failure = "cannot rename \(temporary) to \(request.output)"
      }
      if failure != nil || decision != .go { unlink(temporary) }
      summary = RunSummary(
        units: (layout.rows - rowsDone + layout.bandRows - 1) / layout.bandRows,
        supersteps: layout.supersteps(from: rowsDone), workers: workerReports,
        wallSeconds: ProcessStats.now() - start, schedulerCPUSeconds: 0)
      summary?.placement = placement
    }
    var failed: [Int32] = [failure == nil ? 0 : 1]
    try world.broadcast(&failed, root: 0)
    if failed[0] != 0 {
      if let failure { Agreement.printError(failure) }
      throw JobFailure(message: failure ?? "", exitCode: JobFailure.failedExitCode)
    }
    if case .stop(let message) = decision {
      // Printed even with --quiet: the job did not finish, and this says how to go on.
      if world.rank == 0 { writeStandardError("floe: \(message)\n") }
      throw JobFailure(message: message, exitCode: StopSignal.exitCode)
    }
    // The output is complete: its checkpoint has served.
    if world.rank == 0, let path = request.checkpoint?.path { unlink(path) }
    progress.watch.end(summary)
    if let summary { log(summary.text) }
    return summary
  }
}

extension Percentiles {
  /// The time steps of each group, or one nil (every step) when not grouped.
  static func stepsOfEachGroup(_ groups: GroupSpec?, steps: Int) -> [[Int]?] {
    guard let groups else { return [nil] }
    var members = [[Int]](repeating: [], count: groups.count)
    for t in 0..<steps { members[Int(groups.index[t])].append(t) }
    return members
  }

  /// The q-th percentile of each point of a band, group by group (group-major), from the
  /// band's series laid out time-major: `series[t * points + p]`, selected in the type read.
  static func percentiles<T: BinaryFloatingPoint>(
    of series: UnsafeBufferPointer<T>, points: Int, members: [[Int]?], q: Double
  ) -> [Double] {
    guard points > 0 else { return [] }
    let steps = series.count / points
    var result = [Double](repeating: .nan, count: members.count * points)
    // Series of a block of points at a time, copied point-major first: reading the
    // time-major buffer along rows instead of with a stride of `points`.
    let width = 64
    var block = [T](repeating: 0, count: width * steps)
    var values = [T](repeating: 0, count: steps)
    // Where the selection reorders a series' values (the block's stay as they are).
    var scratch = [T](repeating: 0, count: steps)
    for first in stride(from: 0, to: points, by: width) {
      let count = min(width, points - first)
      // In tiles of 16 steps: each point's 16 values fill one cache line, instead of each
      // step's values scattering over 64 lines 24 KB apart (the stores were 87 % of this).
      block.withUnsafeMutableBufferPointer { to in
        Percentile.gatherSeries(series, points: points, first: first, count: count, into: to)
      }
      block.withUnsafeBufferPointer { block in
        for j in 0..<count {
          let from = j * steps
          for (g, chosen) in members.enumerated() {
            let at = g * points + first + j
            guard let chosen else {
              // The point's whole series, where it lies in the block.
              let series = UnsafeBufferPointer(rebasing: block[from..<(from + steps)])
              result[at] = Percentile.of(series, q: q, scratch: &scratch)
              continue
            }
            values.removeAll(keepingCapacity: true)
            for t in chosen { values.append(block[from + t]) }
            result[at] = values.withUnsafeBufferPointer {
              Percentile.of($0, q: q, scratch: &scratch)
            }
          }
        }
      }
    }
    return result
  }
}

/// One superstep's move from time to space: this worker reads its time share of each
/// worker's band straight into the send buffer (one hyperslab per band, so no copy), and one
/// `MPI_Alltoallv` gives each worker every step of its own band.
struct Transpose {
  let shape: [Int]
  /// The superstep's rows of the first kept dimension, and each worker's band of them.
  let rows: Range<Int>
  let bands: [Range<Int>]
  /// This worker's time steps.
  let mine: Range<Int>
  let rank: Int
  /// Whether each worker (by its rank among the workers) is on this worker's host.
  let sharesHost: [Bool]

  var rowPoints: Int { shape.dropFirst(2).reduce(1, *) }
  var spatial: Bool { shape.count >= 2 }

  /// The whole series of this worker's band, time-major, into `buffers.series`. A read error
  /// goes into the report and sends NaN, so that every worker still takes part in the exchange.
  func run<T: MPIScalar & BinaryFloatingPoint>(
    source: HDF5UnitSource, group: Communicator, report: inout WorkerReport,
    buffers: inout TransposeBuffers<T>, decode: (UnsafeMutableBufferPointer<T>) -> Void
  ) throws {
    let readStart = ProcessStats.now()
    let counts = bands.map { mine.count * $0.count * rowPoints }
    buffers.resizeSend(to: counts.reduce(0, +))
    var offset = 0
    for (band, n) in zip(bands, counts) {
      defer { offset += n }
      guard n > 0 && report.error == nil else { continue }
      do {
        var origin = [Int](repeating: 0, count: shape.count)  // from the selection
        origin[0] = mine.lowerBound
        var count = shape
        count[0] = mine.count
        if spatial {
          origin[1] = band.lowerBound
          count[1] = band.count
        }
        try buffers.send.withUnsafeMutableBufferPointer {
          let part = UnsafeMutableBufferPointer(rebasing: $0[offset..<(offset + n)])
          try source.read(start: origin, count: count, into: UnsafeMutableRawBufferPointer(part))
          decode(part)
        }
        report.bytesRead += n * MemoryLayout<T>.size
      } catch {
        report.error =
          "rank \(rank) on \(MPI.processorName), time \(mine), rows \(band): reading: \(error)"
      }
    }
    if report.error != nil {
      buffers.send.withUnsafeMutableBufferPointer { $0.update(repeating: .nan) }
    }
    report.readSeconds += ProcessStats.now() - readStart
    let me = group.rank
    for (w, n) in counts.enumerated() where w != me && n > 0 {
      report.sent.count(n * MemoryLayout<T>.size, withinHost: sharesHost[w])
    }
    let exchangeStart = ProcessStats.now()
    _ = try group.alltoallv(buffers.send, sendCounts: counts, into: &buffers.series)
    report.exchangeSeconds += ProcessStats.now() - exchangeStart
  }
}

extension Transpose {
  /// `run`, then the q-th percentile of each of this worker's band's `points` points, group
  /// by group (`Percentiles.percentiles(of:)`), timed as compute.
  func percentiles<T: MPIScalar & BinaryFloatingPoint>(
    _ q: Double, points: Int, members: [[Int]?], source: HDF5UnitSource, group: Communicator,
    report: inout WorkerReport, buffers: inout TransposeBuffers<T>,
    decode: (UnsafeMutableBufferPointer<T>) -> Void
  ) throws -> [Double] {
    try run(source: source, group: group, report: &report, buffers: &buffers, decode: decode)
    let computeStart = ProcessStats.now()
    let result = buffers.series.withUnsafeBufferPointer {
      Percentiles.percentiles(of: $0, points: points, members: members, q: q)
    }
    report.computeSeconds += ProcessStats.now() - computeStart
    return result
  }
}

/// One worker's buffers for its transposes, kept from superstep to superstep: fresh ones of
/// hundreds of MB each superstep cost more in page faults than the copies themselves.
struct TransposeBuffers<T: MPIScalar & BinaryFloatingPoint> {
  /// This worker's time share of every band of the superstep, band after band.
  var send: [T] = []
  /// The whole series of this worker's band, as received.
  var series: [T] = []

  /// `send` of `count` values (their contents are about to be overwritten).
  mutating func resizeSend(to count: Int) {
    if send.count > count {
      send.removeLast(send.count - count)
    } else if send.count < count {
      send.append(contentsOf: repeatElement(.nan, count: count - send.count))
    }
  }
}
