import FloeMPI
import FloeRuntime
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Rank 0's part in a percentile job: after each superstep it learns whether a worker
/// failed and, with `--checkpoint`, gets every band's results; it saves a checkpoint when
/// one is due or the batch system's warning came, and tells every worker whether to go on.
///
/// A percentile's results are final as soon as a band is done, so a checkpoint is the
/// finished rows' results themselves (group-major, float64), and a resumed job, at any rank
/// count, writes them into its output and transposes only the rows after them.
final class PercentileProgress {
  enum Decision: Equatable {
    case go
    /// A worker failed; its message comes with the reports at the end.
    case fail
    /// Stopped by a signal: the message says after how many rows and what was saved.
    case stop(String)
  }

  let layout: PercentileLayout
  let checkpointing: Checkpointing?
  let world: Communicator
  let watch: RunWatch
  /// Every rank of a resumed job: the results of the rows before `unitsDone`, group-major.
  private(set) var restored: [Double] = []
  /// Rank 0's own failure (writing a checkpoint).
  private(set) var failure: String?
  /// Rank 0, with checkpoints: every finished result, `[group][row][point]`.
  private var finished: [Double] = []
  private var superstepsDone = 0
  private var sinceCheckpoint: (supersteps: Int, start: Double)

  private let start = ProcessStats.now()

  /// Doubles each worker sends after a superstep: its report of the superstep (`header`
  /// numbers, the first a failure flag), then (with checkpoints) its band's results,
  /// padded to the largest band.
  private var slot: Int {
    Self.header
      + (checkpointing == nil ? 0 : layout.groupCount * layout.bandRows * layout.rowPoints)
  }
  private static let header = 7

  init(
    layout: PercentileLayout, checkpointing: Checkpointing?, world: Communicator, watch: RunWatch
  ) throws {
    self.layout = layout
    self.checkpointing = checkpointing
    self.world = world
    self.watch = watch
    sinceCheckpoint = (0, ProcessStats.now())
    let rowsDone = checkpointing?.unitsDone ?? 0
    if rowsDone > 0, let checkpointing, let load = checkpointing.state {
      let saved = try Agreement.rankZero(world) { () throws -> [Double] in
        let bytes = try load()
        let values = CheckpointFile.values(Double.self, of: bytes, in: bytes.indices)
        let expected = layout.groupCount * rowsDone * layout.rowPoints
        guard values.count == expected else {
          throw ReduceError(
            "\(checkpointing.location) is damaged: it holds \(values.count) results where \(rowsDone) rows have \(expected)"
          )
        }
        return values
      }
      restored = try world.broadcastArray(saved ?? [], root: 0)
    }
    if world.rank == 0, checkpointing != nil {
      finished = [Double](repeating: .nan, count: layout.finishedBytes / 8)
      restored.withUnsafeBufferPointer { place($0, rows: 0..<rowsDone) }
    }
  }

  /// After a superstep of `rows`, on every rank: a worker passes its report of the
  /// superstep and its band's results; rank 0 (when it is no worker) passes nothing.
  func agree(rows: Range<Int>, report: WorkerReport? = nil, result: [Double] = []) throws
    -> Decision
  {
    var message = [Double](repeating: .nan, count: slot)
    let failed = report?.error != nil
    if let r = report {
      message.replaceSubrange(
        0..<Self.header,
        with: [
          failed ? 1 : 0, Double(r.units), Double(r.bytesRead), r.readSeconds, r.computeSeconds,
          r.exchangeSeconds, Double(r.peakRSSBytes),
        ])
      if checkpointing != nil, !failed {
        message.replaceSubrange(Self.header..<(Self.header + result.count), with: result)
      }
    } else {
      message[0] = 0
    }
    let started = ProcessStats.now() - start
    let all = try world.gather(message, root: 0, .sleeping)
    var verdict = [Int](repeating: 0, count: 3)  // decision, signal, rows done
    if world.rank == 0 {
      verdict = decide(rows: rows, messages: all)
      watch.observe(record(rows: rows, messages: all, started: started))
    }
    try world.broadcast(&verdict, root: 0, .sleeping)
    switch verdict[0] {
    case 0: return .go
    case 1: return .fail
    default: return .stop(stopMessage(signal: Int32(verdict[1]), rowsDone: verdict[2]))
    }
  }

  /// Rank 0: go on, fail, or stop (after saving, if a checkpoint is due or a signal came).
  private func decide(rows: Range<Int>, messages: [Double]) -> [Int] {
    superstepsDone += 1
    sinceCheckpoint.supersteps += 1
    let senders = world.size > 1 ? Array(1..<world.size) : [0]
    if failure != nil || senders.contains(where: { messages[$0 * slot] != 0 }) { return [1, 0, 0] }
    if checkpointing != nil {
      messages.withUnsafeBufferPointer { all in
        for (v, band) in layout.bands(of: rows).enumerated() {
          let from = senders[v] * slot + Self.header
          let count = layout.groupCount * band.count * layout.rowPoints
          place(UnsafeBufferPointer(rebasing: all[from..<(from + count)]), rows: band)
        }
      }
    }
    if let (after, signal, target) = debugSignal, superstepsDone == after { kill(target, signal) }
    let left = rows.upperBound < layout.rows
    let stopped = left ? StopSignal.pending : nil
    if let checkpointing, left,
      stopped != nil
        || checkpointing.isDue(
          supersteps: sinceCheckpoint.supersteps,
          seconds: ProcessStats.now() - sinceCheckpoint.start)
    {
      do {
        try checkpointing.save(encoded(rowsDone: rows.upperBound), rows.upperBound)
        sinceCheckpoint = (0, ProcessStats.now())
      } catch {
        failure = "rank 0 on \(MPI.processorName): writing the checkpoint: \(error)"
        return [1, 0, 0]
      }
    }
    if let stopped { return [2, Int(stopped), rows.upperBound] }
    return [0, 0, 0]
  }

  /// The superstep as the progress line and the run report take it: each worker's numbers.
  private func record(rows: Range<Int>, messages: [Double], started: Double) -> SuperstepRecord {
    let senders = world.size > 1 ? Array(1..<world.size) : [0]
    let workers = senders.map { rank in
      let m = messages[(rank * slot)..<(rank * slot + Self.header)].map { $0 }
      var r = WorkerReport()
      r.units = Int(m[1])
      r.bytesRead = Int(m[2])
      r.readSeconds = m[3]
      r.computeSeconds = m[4]
      r.exchangeSeconds = m[5]
      r.peakRSSBytes = Int(m[6])
      return r
    }
    return SuperstepRecord(
      kind: .work, step: superstepsDone - 1, started: started, ended: ProcessStats.now() - start,
      unitsDone: rows.upperBound, unitsTotal: layout.rows,
      unitsAtStart: checkpointing?.unitsDone ?? 0, workers: workers)
  }

  func stopMessage(signal: Int32, rowsDone: Int) -> String {
    let saved =
      checkpointing.map {
        "progress saved in \($0.location); run the same command with --resume to continue"
      } ?? "nothing saved (no --checkpoint)"
    return
      "stopped by \(StopSignal.name(signal)) after \(rowsDone) of \(layout.rows) rows: \(saved)"
  }

  /// Puts results of `rows` (group-major, `[group][row of rows][point]`) into `finished`.
  private func place(_ values: UnsafeBufferPointer<Double>, rows: Range<Int>) {
    let n = rows.count * layout.rowPoints
    guard n > 0 else { return }
    for g in 0..<layout.groupCount {
      let to = (g * layout.rows + rows.lowerBound) * layout.rowPoints
      finished.replaceSubrange(to..<(to + n), with: values[(g * n)..<((g + 1) * n)])
    }
  }

  /// The checkpoint's state: the results of the rows before `rowsDone`, group-major.
  private func encoded(rowsDone: Int) -> [UInt8] {
    let n = rowsDone * layout.rowPoints
    var prefix: [Double] = []
    prefix.reserveCapacity(layout.groupCount * n)
    for g in 0..<layout.groupCount {
      let from = g * layout.rows * layout.rowPoints
      prefix.append(contentsOf: finished[from..<(from + n)])
    }
    return prefix.withUnsafeBytes { Array($0) }
  }
}
