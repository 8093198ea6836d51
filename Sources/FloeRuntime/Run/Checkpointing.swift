/// How a job saves its progress and starts again from it (`--checkpoint`, `--resume`).
///
/// After a superstep every unit before the scheduler's position is merged into the
/// keeper's nodes, which depend only on those units (the canonical tree), not on the ranks
/// or the supersteps that made them. So the keeper's nodes and that position are the whole
/// state: a job resumed from them, at any rank count, merges the remaining units into the
/// same nodes and writes the same bytes.
public struct Checkpointing: Sendable {
  /// Save after this many supersteps, or after this many seconds, whichever comes first.
  public var everySupersteps: Int
  public var everySeconds: Double
  /// Units already done (all units before this one), and, on the keeper, their merged
  /// nodes (`NodeSet.encoded`): where a resumed job starts. 0 and nil for a fresh start.
  public var unitsDone: Int
  public var state: (@Sendable () throws -> [UInt8])?
  /// Called on the keeper with the encoded nodes and the units done; must replace the
  /// previous checkpoint atomically.
  public var save: @Sendable (_ state: [UInt8], _ unitsDone: Int) throws -> Void
  /// Where checkpoints go, for messages ("DIR/floe-checkpoint.h5").
  public var location: String
  /// Called on every worker before the keeper saves (the anomaly flushes its shared output,
  /// collectively, so that every unit before the position is on disk).
  public var prepare: (@Sendable () throws -> Void)?

  public init(
    everySupersteps: Int, everySeconds: Double, unitsDone: Int = 0,
    state: (@Sendable () throws -> [UInt8])? = nil,
    location: String = "the checkpoint", prepare: (@Sendable () throws -> Void)? = nil,
    save: @escaping @Sendable (_ state: [UInt8], _ unitsDone: Int) throws -> Void
  ) {
    self.location = location
    self.prepare = prepare
    self.everySupersteps = everySupersteps
    self.everySeconds = everySeconds
    self.unitsDone = unitsDone
    self.state = state
    self.save = save
  }

  /// Whether a checkpoint is due after `supersteps` supersteps and `seconds` since the last.
  public func isDue(supersteps: Int, seconds: Double) -> Bool {
    supersteps >= everySupersteps || seconds >= everySeconds
  }
}
