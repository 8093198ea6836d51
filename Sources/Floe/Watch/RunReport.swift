import FloeRuntime
import Foundation

/// `--report run.json` / `run.html`: one run told for machines and for people. A run has
/// one phase per BSP job (`floe anomaly` has two: the climatology, then the anomalies).
struct RunReport: Codable {
  var floeVersion = FloeVersion.number
  var command: String
  var started: String
  var host: String
  var ranks: Int
  var workers: Int
  var memoryPerRankBytes: Int
  /// The host of each rank, by rank.
  var hosts: [String] = []
  /// "done", "failed" or "stopped" (by a signal; resumable with --checkpoint).
  var status = "running"
  var error: String?
  var wallSeconds = 0.0
  var phases: [Phase] = []

  struct Phase: Codable {
    var name: String
    var plan: String
    /// What the progress counts: "units" (rows for percentiles).
    var counts: String
    var supersteps: [Superstep] = []
    var summary: Summary?
  }

  struct Superstep: Codable {
    var kind: SuperstepRecord.Kind
    var step: Int
    var started: Double
    var ended: Double
    var done: Int
    var total: Int
    /// Worker w is rank w + 1 (rank 0 alone in a world of one).
    var workers: [Work]
  }

  /// One worker's part of a superstep, or its totals over a phase.
  struct Work: Codable {
    var rank: Int
    var units: Int
    var bytesRead: Int
    var readSeconds: Double
    var computeSeconds: Double
    var exchangeSeconds: Double
    var waitSeconds: Double
    var peakRSSBytes: Int
    /// Sent to other workers in the exchange: on this host, and to other hosts.
    var messagesWithinHost: Int
    var bytesSentWithinHost: Int
    var messagesAcrossHosts: Int
    var bytesSentAcrossHosts: Int

    init(rank: Int, _ r: WorkerReport) {
      self.rank = rank
      units = r.units
      bytesRead = r.bytesRead
      readSeconds = r.readSeconds
      computeSeconds = r.computeSeconds
      exchangeSeconds = r.exchangeSeconds
      waitSeconds = r.waitSeconds
      peakRSSBytes = r.peakRSSBytes
      messagesWithinHost = r.sent.messagesWithinHost
      bytesSentWithinHost = r.sent.bytesWithinHost
      messagesAcrossHosts = r.sent.messagesAcrossHosts
      bytesSentAcrossHosts = r.sent.bytesAcrossHosts
    }
  }

  struct Summary: Codable {
    var units: Int
    var supersteps: Int
    var wallSeconds: Double
    var bytesRead: Int
    var gigabytesPerSecond: Double
    /// The floor inside the run: the longest time any worker spent reading (the workers
    /// read in parallel), and the phase's wall time as a multiple of it.
    var readFloorSeconds: Double
    var wallOverFloor: Double
    var workers: [Work]
  }

  init(command: String, ranks: Int, memoryPerRankBytes: Int) {
    self.command = command
    let formatter = ISO8601DateFormatter()
    started = formatter.string(from: Date())
    host = ProcessInfo.processInfo.hostName
    self.ranks = ranks
    workers = ReductionJob.workers(worldSize: ranks)
    self.memoryPerRankBytes = memoryPerRankBytes
  }

  static func rank(ofWorker w: Int, ranks: Int) -> Int { ranks > 1 ? w + 1 : 0 }

  mutating func add(_ record: SuperstepRecord) {
    guard !phases.isEmpty else { return }
    phases[phases.count - 1].supersteps.append(
      Superstep(
        kind: record.kind, step: record.step, started: record.started, ended: record.ended,
        done: record.unitsDone, total: record.unitsTotal,
        workers: record.workers.enumerated().map {
          Work(rank: Self.rank(ofWorker: $0.offset, ranks: ranks), $0.element)
        }))
  }

  mutating func end(_ summary: RunSummary) {
    if let placement = summary.placement { hosts = placement.hosts }
    guard !phases.isEmpty else { return }
    let floor = summary.workers.map(\.readSeconds).max() ?? 0
    let rate = summary.wallSeconds > 0 ? Double(summary.bytesRead) / summary.wallSeconds / 1e9 : 0
    phases[phases.count - 1].summary = Summary(
      units: summary.units, supersteps: summary.supersteps, wallSeconds: summary.wallSeconds,
      bytesRead: summary.bytesRead, gigabytesPerSecond: rate, readFloorSeconds: floor,
      wallOverFloor: floor > 0 ? summary.wallSeconds / floor : 0,
      workers: summary.workers.enumerated().map {
        Work(rank: Self.rank(ofWorker: $0.offset, ranks: ranks), $0.element)
      })
  }

  /// JSON with sorted keys, for diffs and for `jq`.
  func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  /// Writes to `path` (`.json`, else HTML) under a temporary name, then renames: never half
  /// a report.
  func write(to path: String) throws {
    let data = path.hasSuffix(".json") ? try json() : Data(html().utf8)
    let temporary = path + ".floe-partial"
    do {
      try data.write(to: URL(fileURLWithPath: temporary))
    } catch {
      throw ReduceError("cannot write the report \(path): \(error.localizedDescription)")
    }
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw ReduceError("cannot write the report \(path): \(String(cString: strerror(errno)))")
    }
  }
}
