import FloeMPI
import FloeRuntime
import Foundation

/// How much `floe` tells while it runs (on rank 0).
public struct WatchOptions: Sendable {
  /// Errors only: no plan, no progress, no summary.
  public var quiet = false
  /// Seconds between progress lines when nobody watches at a terminal (a batch log).
  public var progressEvery = 30.0
  /// Run reports to write at the end, whatever the outcome: `.json` files for machines,
  /// any other name HTML.
  public var reports: [String] = []
  public init() {}
}

/// Rank 0's eyes on a run: the plan and summary (through `log`), the progress line, and
/// the run report, written at the end also when the run failed or was stopped. On other
/// ranks it does nothing.
final class RunWatch {
  let options: WatchOptions
  let watching: Bool
  private var report: RunReport
  private var progress: ProgressLine?
  private let start = ProcessStats.now()

  /// Checks on rank 0, before any work, that each report's folder exists.
  init(_ request: ReduceRequest, world: Communicator) throws {
    options = request.watch
    watching = world.rank == 0
    report = RunReport(
      command: request.commandLine, ranks: world.size,
      memoryPerRankBytes: request.memoryPerRank.bytes)
    let reports = options.reports
    _ = try Agreement.rankZero(world) {
      for path in reports {
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard
          FileManager.default.fileExists(
            atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory),
          isDirectory.boolValue
        else { throw ReduceError("--report \(path): no such directory \(folder)") }
      }
    }
  }

  /// A BSP job starts: its name ("time mean"), its plan's text, what its progress counts,
  /// and the memory budget per rank it was sized for.
  func begin(_ name: String, plan: String, counts: String = "units", budgetBytes: Int) {
    guard watching else { return }
    report.memoryPerRankBytes = budgetBytes
    report.phases.append(RunReport.Phase(name: name, plan: plan, counts: counts))
    if !options.quiet { progress = ProgressLine(every: options.progressEvery, noun: counts) }
  }

  func observe(_ record: SuperstepRecord) {
    guard watching else { return }
    progress?.update(record)
    if floeLog.logLevel <= .debug {
      // Every worker's numbers, with its rank, through rank 0's log.
      for (w, r) in record.workers.enumerated() {
        let rank = RunReport.rank(ofWorker: w, ranks: report.ranks)
        floeLog.debug("\(Self.debugLine(record, rank: rank, r))")
      }
    }
    if !options.reports.isEmpty { report.add(record) }
  }

  static func debugLine(_ record: SuperstepRecord, rank: Int, _ r: WorkerReport) -> String {
    let s = { (x: Double) -> String in Format.decimal(x, 3) }
    var line = "floe: rank \(rank), superstep \(record.step) (\(record.kind.rawValue)): "
    line += "\(r.units) unit(s), \(Format.bytes(r.bytesRead)) read in \(s(r.readSeconds)) s, "
    line += "compute \(s(r.computeSeconds)) s, exchange \(s(r.exchangeSeconds)) s, "
    line += "waited \(s(r.waitSeconds)) s, peak RSS \(Format.bytes(r.peakRSSBytes))"
    return line + (r.error != nil ? ", failed" : "")
  }

  func end(_ summary: RunSummary?) {
    progress?.finish()
    progress = nil
    if let summary { report.end(summary) }
  }

  /// Runs the whole job, then writes the reports: done, failed (with the message printed)
  /// or stopped by a signal.
  func around<R>(_ body: () throws -> R) throws -> R {
    do {
      let result = try body()
      try close(status: "done", error: nil)
      return result
    } catch let failure as JobFailure {
      progress?.finish()
      let stopped = failure.exitCode == StopSignal.exitCode
      try? close(status: stopped ? "stopped" : "failed", error: failure.message)
      throw failure
    }
  }

  private func close(status: String, error: String?) throws {
    guard watching, !options.reports.isEmpty else { return }
    report.status = status
    report.error = error.flatMap { $0.isEmpty ? nil : $0 }
    report.wallSeconds = ProcessStats.now() - start
    for path in options.reports {
      do { try report.write(to: path) } catch {
        Agreement.printError("\(error)")
        throw JobFailure(message: "\(error)", exitCode: JobFailure.failedExitCode)
      }
    }
  }
}
