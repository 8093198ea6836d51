import FloeHDF5
import FloeKernels
public import FloeMPI
public import FloeRuntime
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
  public static func run(
    _ request: ReduceRequest, q: Double, world: Communicator, log: (String) -> Void
  )
    throws -> RunSummary?
  {
    let setup = try Reduction.plan(request, world: world, log: log, printsPlan: false)
    let workers = ReductionJob.workers(worldSize: world.size)
    let shape = setup.shape
    guard
      setup.reduced == [true] + [Bool](repeating: false, count: shape.count - 1),
      setup.weights == nil
    else {
      let message =
        "--op \(request.statistic) reduces over time (the first dimension) only, without --weights"
      if world.rank == 0 { Agreement.printError(message) }
      throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
    }
    let steps = shape[0]
    // Bands cut the first kept dimension; a 1-D series is one band of one point.
    let spatial = shape.count >= 2
    let rows = spatial ? shape[1] : 1
    let rowPoints = shape.dropFirst(2).reduce(1, *)
    // Time shares: whole time chunks, contiguous, in worker order.
    let chunkSteps = max(1, setup.chunks?.first ?? 1)
    let chunkRows = (steps + chunkSteps - 1) / chunkSteps
    let share = { (w: Int) -> Range<Int> in
      let a = chunkRows * w / workers
      let b = chunkRows * (w + 1) / workers
      return min(steps, a * chunkSteps)..<min(steps, b * chunkSteps)
    }
    let largestShare = (0..<workers).map { share($0).count }.max() ?? steps
    // Bytes per rank for bands of r rows: the read, straight into the send buffer (all
    // workers' bands for this worker's time share), counted twice for the room MPI's
    // exchange and the process itself take; the whole series of its own band (in the type
    // read); and the results.
    // Grouped (--by time.month: CDO's ymonpctl): one result per group.
    let groups = setup.groups
    let groupCount = groups?.count ?? 1
    let readsFloat32 = setup.readsFloat32 && !setup.decoding.isPacked
    let valueBytes = readsFloat32 ? 4 : 8
    let bytesPerRow =
      ((2 * largestShare * workers + steps) * valueBytes + groupCount * 8) * rowPoints
    let bandRows = min(max(1, (rows + workers - 1) / workers), setup.budgetBytes / bytesPerRow)
    guard bandRows >= 1 else {
      let message =
        "--memory-per-rank \(MemorySize(bytes: setup.budgetBytes)) cannot hold one row of \(steps) time steps "
        + "for a percentile: it needs \(MemorySize.format(bytesPerRow)) per rank; give at least that"
      if world.rank == 0 { Agreement.printError(message) }
      throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
    }
    let supersteps = (rows + workers * bandRows - 1) / (workers * bandRows)
    if world.rank == 0 {
      log(
        "floe: plan: \(request.statistic) of \(request.variable) over \(setup.dimensionNames[0]) (\(steps) steps)"
          + (groups.map { " in \($0.count) groups (\($0.grouping.rawValue))" } ?? "") + ": "
          + "\(supersteps) supersteps of \(workers) band(s) of \(bandRows) x \(rowPoints) points; "
          + "memory per rank \(MemorySize.format(bandRows * bytesPerRow)) of --memory-per-rank \(MemorySize(bytes: setup.budgetBytes))"
      )
    }

    let readers = try world.split(color: world.rank == 0 && world.size > 1 ? 0 : 1, key: world.rank)
    let temporary = request.output + ".floe-partial"
    let output = AnomalyOutput()
    var report = WorkerReport()
    let start = ProcessStats.now()
    if world.rank > 0 || world.size == 1 {
      let group = readers.communicator
      let me = group.rank
      do {
        output.file = OpenFile(
          try AnomalyOutput.create(
            temporary, request: request, setup: setup, communicator: group,
            axes: Array(1..<shape.count), chunked: false,
            cellMethods: NetCDFResultSink.cellMethods(setup, method: request.statistic.cellMethod),
            groups: groups))
      } catch {
        report.error = "rank \(world.rank): creating the output: \(error)"
      }
      // Every worker takes part in every superstep, even after an error, so none waits.
      do {
        // float32 data stays float32 through the read and the exchange (half the bytes of
        // float64); every other type is read as float64. Values widen to float64 (exactly)
        // for the selection, so both give the same result.
        var readSetup = setup
        readSetup.readsFloat32 = readsFloat32
        let source = try HDF5UnitSource(
          path: request.input, variable: request.variable, setup: readSetup, communicator: group)
        let members = stepsOfEachGroup(groups, steps: steps)
        var floats = TransposeBuffers<Float>()
        var doubles = TransposeBuffers<Double>()
        for s in 0..<supersteps {
          let first = s * workers * bandRows
          let last = min(rows, first + workers * bandRows)
          let bands = (0..<workers).map { v in
            min(last, first + v * bandRows)..<min(last, first + (v + 1) * bandRows)
          }
          let transpose = Transpose(
            shape: shape, rows: first..<last, bands: bands, mine: share(me), rank: world.rank)
          let b = bands[me]
          let result: [Double]
          let points = b.count * rowPoints
          if readSetup.readsFloat32 {
            result = try transpose.percentiles(
              q, points: points, members: members, source: source, group: group,
              report: &report, buffers: &floats, decode: { setup.decoding.decode($0) })
          } else {
            result = try transpose.percentiles(
              q, points: points, members: members, source: source, group: group,
              report: &report, buffers: &doubles, decode: { setup.decoding.decode($0) })
          }
          if !b.isEmpty && report.error == nil, let file = output.file {
            do {
              let variable = try file.file.dataset(request.variable)
              let fill = NetCDFResultSink.defaultFloatFill
              var origin = [Int](repeating: 0, count: shape.count - 1)
              if spatial { origin[0] = b.lowerBound }
              var count = Array(shape.dropFirst())
              if spatial { count[0] = b.count }
              if groups != nil {
                origin.insert(0, at: 0)
                count.insert(groupCount, at: 0)
              }
              try variable.writeResults(result, fill: fill, start: origin, count: count)
            } catch {
              report.error = "rank \(world.rank): writing rows \(b): \(error)"
            }
          }
          report.units += b.isEmpty ? 0 : 1
        }
      } catch {
        report.error = report.error ?? "rank \(world.rank): \(error)"
      }
      output.file = nil  // collective close among the workers
    }
    report.peakRSSBytes = ProcessStats.peakRSSBytes
    report.cpuSeconds = ProcessStats.cpuSeconds
    _ = readers.communicator.size
    try world.barrier(.sleeping)

    // Rank 0 collects the reports, names the first error, and renames the output.
    let transport = MPITransport(world)
    var all = try transport.gather(report)
    let texts = try transport.gatherText(report.error ?? "")
    var failure: String?
    var summary: RunSummary?
    if world.rank == 0 {
      for r in all.indices where all[r].error != nil { all[r].error = texts[r] }
      let workerReports = world.size > 1 ? Array(all.dropFirst()) : all
      failure = workerReports.compactMap(\.error).first
      if failure == nil && rename(temporary, request.output) != 0 {
        failure = "cannot rename \(temporary) to \(request.output)"
      }
      if failure != nil { unlink(temporary) }
      summary = RunSummary(
        units: (rows + bandRows - 1) / bandRows, supersteps: supersteps, workers: workerReports,
        wallSeconds: ProcessStats.now() - start, schedulerCPUSeconds: 0)
    }
    var failed: [Int32] = [failure == nil ? 0 : 1]
    try world.broadcast(&failed, root: 0)
    if failed[0] != 0 {
      if let failure { Agreement.printError(failure) }
      throw JobFailure(message: failure ?? "", exitCode: JobFailure.failedExitCode)
    }
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
    for first in stride(from: 0, to: points, by: width) {
      let count = min(width, points - first)
      // In tiles of 16 steps: each point's 16 values fill one cache line, instead of each
      // step's values scattering over 64 lines 24 KB apart (the stores were 87 % of this).
      block.withUnsafeMutableBufferPointer { to in
        for tile in stride(from: 0, to: steps, by: 16) {
          let end = min(steps, tile + 16)
          for j in 0..<count {
            for t in tile..<end { to[j * steps + t] = series[t * points + first + j] }
          }
        }
      }
      for j in 0..<count {
        let from = j * steps
        for (g, chosen) in members.enumerated() {
          values.removeAll(keepingCapacity: true)
          if let chosen {
            for t in chosen { values.append(block[from + t]) }
          } else {
            values.append(contentsOf: block[from..<(from + steps)])
          }
          result[g * points + first + j] = Percentile.of(&values, q: q)
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
