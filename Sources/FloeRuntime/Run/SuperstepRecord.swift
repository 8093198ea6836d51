/// What rank 0 learns from one superstep: for progress lines and run reports.
public struct SuperstepRecord: Sendable {
  public enum Kind: String, Sendable, Codable {
    case work, checkpoint, finish
  }

  public var kind: Kind
  /// 0, 1, 2, ... in this run.
  public var step: Int
  /// Seconds since the run started, on rank 0's clock: when the orders went out (orders
  /// sent ahead: when the superstep before ended, the workers going on as they finished
  /// it), and when the last report came back.
  public var started: Double
  public var ended: Double
  /// Units done in the whole job after this superstep (a resumed job counts its earlier
  /// ones), of `unitsTotal`; `unitsAtStart` were done before this run.
  public var unitsDone: Int
  public var unitsTotal: Int
  public var unitsAtStart: Int
  /// Each worker's report of this superstep (worker w is rank w + 1, or rank 0 alone).
  public var workers: [WorkerReport]

  public init(
    kind: Kind, step: Int, started: Double, ended: Double, unitsDone: Int, unitsTotal: Int,
    unitsAtStart: Int, workers: [WorkerReport]
  ) {
    self.kind = kind
    self.step = step
    self.started = started
    self.ended = ended
    self.unitsDone = unitsDone
    self.unitsTotal = unitsTotal
    self.unitsAtStart = unitsAtStart
    self.workers = workers
  }

  public var bytesRead: Int { workers.reduce(0) { $0 + $1.bytesRead } }
}
