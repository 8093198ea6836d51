import FloeMPI

/// Rank 0's bookkeeping: which units go out next, in what shares, and what came back.
public final class Scheduler {
  let plan: ReductionPlan
  let sizing: SuperstepSizing
  let workers: Int
  /// The units before this one were done before this run (a resumed job).
  let startingAt: Int
  /// Units given out so far, counted from 0 (a resumed job's done units included). Without
  /// held nodes, every unit before this one has gone out.
  private(set) var position = 0
  /// Units whose reports are in (a resumed job's done units included). Less than `position`
  /// while a superstep's orders have gone out ahead of its reports (`Order.work`'s `ahead`).
  private(set) var unitsDone = 0
  /// When each worker keeps its nodes until the end: who holds which units so far.
  private var held: HeldRanges?
  private var speeds: [Double]
  private var totals: [WorkerReport]
  private(set) var supersteps = 0
  /// The workers in the order they take neighbouring units (host by host); reports, speeds
  /// and ranges are kept by worker (rank - 1).
  let order: [Int]

  /// `startingAt`: the units before it are done (a resumed job). `order`: which worker takes
  /// the first units of a superstep, which the next, ... (default: 0, 1, 2, ...).
  /// `holding`: each worker keeps its nodes until the end (`SuperstepSizing.holdsNodes`),
  /// so its units over the whole job form one range (`HeldRanges`).
  public init(
    plan: ReductionPlan, sizing: SuperstepSizing, workers: Int, startingAt: Int = 0,
    order: [Int]? = nil, holding: Bool = false
  ) {
    self.plan = plan
    self.sizing = sizing
    self.workers = workers
    self.startingAt = startingAt
    self.order = order ?? Array(0..<workers)
    precondition(self.order.sorted() == Array(0..<workers), "order \(self.order) of \(workers)")
    position = startingAt
    unitsDone = startingAt
    if holding { held = HeldRanges(start: startingAt, total: plan.unitCount, workers: workers) }
    speeds = [Double](repeating: 1, count: workers)
    totals = [WorkerReport](repeating: WorkerReport(), count: workers)
  }

  /// The next superstep's ranges, one per worker, or nil when every unit has gone out.
  public func nextRanges() -> [Range<Int>]? {
    guard position < plan.unitCount else { return nil }
    let inOrder: [Range<Int>]
    if var held {
      inOrder = held.next(
        shares: Assignment.shares(speeds: order.map { speeds[$0] }, cap: sizing.unitsPerWorker))
      self.held = held
      position += inOrder.reduce(0) { $0 + $1.count }
    } else {
      inOrder = Assignment.next(
        position: position, total: plan.unitCount, speeds: order.map { speeds[$0] },
        cap: sizing.unitsPerWorker)
      position = inOrder.last?.upperBound ?? position
    }
    supersteps += 1
    var ranges = [Range<Int>](repeating: 0..<0, count: workers)
    for (slot, w) in order.enumerated() { ranges[w] = inOrder[slot] }
    return ranges
  }

  /// Takes the workers' reports; returns the first error (lowest rank), if any.
  /// Faster workers get proportionally more units next time.
  public func record(_ reports: [WorkerReport], ranges: [Range<Int>]?) -> String? {
    unitsDone += ranges?.reduce(0) { $0 + $1.count } ?? 0
    for (w, r) in reports.enumerated() {
      totals[w].units += r.units
      totals[w].unitsMapped += r.unitsMapped
      totals[w].bytesRead += r.bytesRead
      totals[w].readSeconds += r.readSeconds
      totals[w].computeSeconds += r.computeSeconds
      totals[w].exchangeSeconds += r.exchangeSeconds
      totals[w].waitSeconds += r.waitSeconds
      totals[w].sent = totals[w].sent + r.sent
      totals[w].peakRSSBytes = max(totals[w].peakRSSBytes, r.peakRSSBytes)
      totals[w].cpuSeconds = max(totals[w].cpuSeconds, r.cpuSeconds)
      if totals[w].startupSeconds == 0 { totals[w].startupSeconds = r.startupSeconds }
      let busy = r.readSeconds + r.computeSeconds
      if r.units > 0 && busy > 0 { speeds[w] = Double(r.units) / busy }
    }
    return reports.compactMap(\.error).first
  }

  public func summary(wallSeconds: Double, schedulerCPUSeconds: Double) -> RunSummary {
    RunSummary(
      units: plan.unitCount - startingAt, supersteps: supersteps, workers: totals,
      wallSeconds: wallSeconds,
      schedulerCPUSeconds: schedulerCPUSeconds)
  }
}

/// What rank 0 prints at the end of a run.
public struct RunSummary: Sendable {
  public var units: Int
  public var supersteps: Int
  /// Totals per worker over the run (peak RSS: the maximum).
  public var workers: [WorkerReport]
  public var wallSeconds: Double
  public var schedulerCPUSeconds: Double
  /// The host of each rank.
  public var placement: Placement?

  public init(
    units: Int, supersteps: Int, workers: [WorkerReport], wallSeconds: Double,
    schedulerCPUSeconds: Double
  ) {
    self.units = units
    self.supersteps = supersteps
    self.workers = workers
    self.wallSeconds = wallSeconds
    self.schedulerCPUSeconds = schedulerCPUSeconds
  }

  public var bytesRead: Int { workers.reduce(0) { $0 + $1.bytesRead } }

  /// "3 message(s) within hosts (1.2 MiB), 1 across hosts (0.4 MiB)": what the workers sent
  /// each other, in shared memory and over the network.
  public var exchangeText: String {
    let sum = workers.reduce(WorkerReport.Sent()) { $0 + $1.sent }
    return "\(sum.messagesWithinHost) message(s) within hosts "
      + "(\(MemorySize.format(sum.bytesWithinHost))), "
      + "\(sum.messagesAcrossHosts) across hosts (\(MemorySize.format(sum.bytesAcrossHosts)))"
  }

  /// What start-up owes to Floe's choice for Open MPI, if it made one (`OpenMPIDefaults`).
  var pmlText: String {
    MPI.pmlNamedByFloe.map { "; Open MPI's pml \($0) named by Floe (no fabric device, no pml set)" }
      ?? ""
  }

  public var text: String {
    func spread(_ f: (WorkerReport) -> Double, _ format: (Double) -> String) -> String {
      let v = workers.map(f).sorted()
      return "\(format(v.first ?? 0)) / \(format(v[v.count / 2])) / \(format(v.last ?? 0))"
    }
    let seconds = { (x: Double) in Format.decimal(x, 3) }
    let rate = wallSeconds > 0 ? Double(bytesRead) / wallSeconds / 1e9 : 0
    return """
      floe: done: \(units) units in \(supersteps) supersteps on \(workers.count) worker(s); \
      \(MemorySize.format(bytesRead)) read in \(seconds(wallSeconds)) s (\(Format.decimal(rate, 2)) GB/s)
      floe: per worker (min / median / max): read \(spread({ $0.readSeconds }, seconds)) s, \
      compute \(spread({ $0.computeSeconds }, seconds)) s, exchange \(spread({ $0.exchangeSeconds }, seconds)) s, \
      wait \(spread({ $0.waitSeconds }, seconds)) s, peak RSS \(spread({ Double($0.peakRSSBytes) }, { MemorySize.format(Int($0)) }))
      floe: start-up per worker (process start to first unit read): \(spread({ $0.startupSeconds }, seconds)) s\(pmlText)
      floe: units reduced straight from the file's pages (no copy): \(workers.reduce(0) { $0 + $1.unitsMapped }) of \(units)
      floe: rank 0 (scheduler): \(seconds(schedulerCPUSeconds)) s CPU in \(seconds(wallSeconds)) s wall
      floe: exchange: \(exchangeText)
      """ + (placement.map { "\n" + $0.text } ?? "")
  }

}
