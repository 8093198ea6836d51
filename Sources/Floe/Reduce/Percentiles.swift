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
/// `MPI_Alltoallv` among the workers hands each worker the whole series of its own band.
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
    // Bytes per rank for bands of r rows: the read (all workers' bands for this worker's
    // time share), the same again packed for sending, and the whole series of its own band.
    // Grouped (--by time.month: CDO's ymonpctl): one result per group.
    let groups = setup.groups
    let groupCount = groups?.count ?? 1
    let bytesPerRow = (2 * largestShare * workers + steps + groupCount) * rowPoints * 8
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
        // Read as float64 (the series are sorted in float64), through the files in time order.
        var readSetup = setup
        readSetup.readsFloat32 = false
        let source = try HDF5UnitSource(
          path: request.input, variable: request.variable, setup: readSetup, communicator: group)
        for s in 0..<supersteps {
          let first = s * workers * bandRows
          let last = min(rows, first + workers * bandRows)
          let band = { (v: Int) in
            min(last, first + v * bandRows)..<min(last, first + (v + 1) * bandRows)
          }
          let mine = share(me)
          // Read: my time share of every band of this superstep.
          let readStart = ProcessStats.now()
          var block = [Double](repeating: .nan, count: mine.count * (last - first) * rowPoints)
          if report.error == nil && !mine.isEmpty && last > first {
            do {
              var origin = [Int](repeating: 0, count: shape.count)  // from the selection
              origin[0] = mine.lowerBound
              if spatial { origin[1] = first }
              var count = shape
              count[0] = mine.count
              if spatial { count[1] = last - first }
              try block.withUnsafeMutableBufferPointer {
                try source.read(
                  start: origin, count: count, into: UnsafeMutableRawBufferPointer($0))
                setup.decoding.decode($0)
              }
              report.bytesRead += block.count * (setup.readsFloat32 ? 4 : 8)
            } catch {
              report.error =
                "rank \(world.rank) on \(MPI.processorName), time \(mine), rows \(first)..<\(last): reading: \(error)"
              block = [Double](repeating: .nan, count: block.count)
            }
          }
          report.readSeconds += ProcessStats.now() - readStart
          // Exchange: each worker's band, for my time share, to that worker.
          let exchangeStart = ProcessStats.now()
          var send: [Double] = []
          var counts: [Int] = []
          send.reserveCapacity(block.count)
          for v in 0..<workers {
            let b = band(v)
            for t in 0..<mine.count {
              let base = (t * (last - first) + (b.lowerBound - first)) * rowPoints
              send.append(contentsOf: block[base..<(base + b.count * rowPoints)])
            }
            counts.append(mine.count * b.count * rowPoints)
          }
          block = []
          let (series, _) = try group.alltoallv(send, sendCounts: counts)
          send = []
          report.exchangeSeconds += ProcessStats.now() - exchangeStart
          // Compute: every point of my band, from its whole series (time-major, in order).
          let computeStart = ProcessStats.now()
          let b = band(me)
          let points = b.count * rowPoints
          if points > 0 {
            // Group by group (one group when not grouped), each point's valid values in time order.
            var result = [Double](repeating: .nan, count: groupCount * points)
            // Series of a block of points at a time, copied point-major first: reading the
            // time-major exchange buffer along rows instead of with a stride of `points`.
            let width = 64
            var block = [Double](repeating: 0, count: width * steps)
            var values = [Double](repeating: 0, count: steps)
            // The time steps of each group (nil: not grouped, every step).
            var members: [[Int]?] = []
            for g in 0..<groupCount {
              if let spec = groups {
                let steps: [Int] = (0..<steps).filter { Int(spec.index[$0]) == g }
                members.append(steps)
              } else {
                members.append(nil)
              }
            }
            for first in stride(from: 0, to: points, by: width) {
              let count = min(width, points - first)
              series.withUnsafeBufferPointer { from in
                block.withUnsafeMutableBufferPointer { to in
                  for t in 0..<steps {
                    let row: Int = t * points + first
                    for j in 0..<count { to[j * steps + t] = from[row + j] }
                  }
                }
              }
              for j in 0..<count {
                for g in 0..<groupCount {
                  values.removeAll(keepingCapacity: true)
                  if let chosen = members[g] {
                    let from: Int = j * steps
                    for t in chosen { values.append(block[from + t]) }
                  } else {
                    let from: Int = j * steps
                    values.append(contentsOf: block[from..<(from + steps)])
                  }
                  let at: Int = g * points + first + j
                  result[at] = Percentile.of(&values, q: q)
                }
              }
            }
            report.computeSeconds += ProcessStats.now() - computeStart
            if report.error == nil, let file = output.file {
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
    let reports = try world.gather(report.wire, root: 0)
    var failure: String?
    var summary: RunSummary?
    if world.rank == 0 {
      let n = WorkerReport.wireSize
      let all = stride(from: 0, to: reports.count, by: n).map {
        WorkerReport(wire: reports[$0..<($0 + n)])
      }
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
