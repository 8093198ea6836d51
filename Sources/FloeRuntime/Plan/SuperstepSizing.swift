/// Doubles per output point of a merge-tree node's partial, by the node's level (level k
/// covers up to 2^k units): the same at every level, or, for a grouped reduction whose
/// partials hold only the groups their units touched, growing with the units covered.
public struct PartialFields: Sendable, Equatable {
  /// By level from the leaves; the last entry holds for every higher level.
  public let byLevel: [Int]

  public init(_ fieldsPerPoint: Int) { byLevel = [fieldsPerPoint] }

  public init(byLevel: [Int]) {
    precondition(!byLevel.isEmpty)
    self.byLevel = byLevel
  }

  public func at(level: Int) -> Int { byLevel[Swift.min(level, byLevel.count - 1)] }
}

/// How many units each worker takes per superstep, and the memory that takes.
///
/// The budget bounds a superstep's work: a worker's share of data (share x unit bytes) plus
/// the partials — the tree nodes of its own range, those it receives from its subtree in the
/// exchange, and, on the worker that keeps the results, the finished tiles until they are
/// written — fits the budget. So supersteps (the points where work is balanced, and later
/// checkpointed) come more often under a small budget. Workers that keep their results until
/// the end (`holdsNodes`) hold their range's nodes instead of receiving a subtree's each
/// superstep, and, at the end, the range they receive. The memory a worker holds is less:
/// it reads and reduces its share one unit at a time through one unit's buffer.
public struct SuperstepSizing: Sendable, Equatable {
  /// Units a worker takes at most per superstep.
  public let unitsPerWorker: Int
  /// Bytes of one (largest) unit as read.
  public let unitBytes: Int
  /// Bytes of one (largest) tile's partial.
  public let partialBytes: Int
  /// Floe's buffers per rank at that share: one unit's values and the partials.
  public let bytesPerRank: Int
  /// Supersteps if every worker runs at the same speed.
  public let supersteps: Int
  /// Each worker keeps its nodes until the end of the job, where they are merged into the
  /// keeper's (`HeldRanges`); otherwise they go to the keeper after every superstep.
  public let holdsNodes: Bool

  /// Sizes supersteps for `workers` workers, or refuses with the figure one unit needs.
  public init(
    plan: ReductionPlan, workers: Int, budget: MemorySize, elementSize: Int, fieldsPerPoint: Int,
    holding: Bool = false
  ) throws(PlanError) {
    try self.init(
      plan: plan, workers: workers, budget: budget, elementSize: elementSize,
      fields: PartialFields(fieldsPerPoint), holding: holding)
  }

  /// Sizes supersteps for partials of `fields` per point by tree level.
  /// `holding`: let each worker keep its nodes until the end if the budget holds them
  /// (a job that saves checkpoints cannot: a checkpoint holds every unit before a point).
  public init(
    plan: ReductionPlan, workers: Int, budget: MemorySize, elementSize: Int, fields: PartialFields,
    holding: Bool = false
  ) throws(PlanError) {
    unitBytes = plan.maxUnitElements * elementSize
    partialBytes =
      plan.maxTilePoints * fields.at(level: CanonicalTree(leaves: plan.unitsPerTile).height) * 8
    let fitWith = { (held: Bool, r: Int) in
      Self.bytes(
        plan: plan, workers: workers, share: r, unitBytes: plan.maxUnitElements * elementSize,
        fields: fields, holding: held)
    }
    holdsNodes = holding && fitWith(true, 1) <= budget.bytes
    let fit = { [holdsNodes] (r: Int) in fitWith(holdsNodes, r) }
    let needed = fit(1)
    guard needed <= budget.bytes else {
      throw PlanError(
        "--memory-per-rank \(budget) cannot hold one unit: a unit of "
          + plan.unitExtent.map(String.init).joined(separator: " x ")
          + " needs \(MemorySize.format(needed, roundingUp: true)) per rank (\(MemorySize.format(plan.maxUnitElements * elementSize)) of data"
          + " and \(MemorySize.format(needed - plan.maxUnitElements * elementSize)) of partial results); "
          + "give at least --memory-per-rank \(MemorySize.format(needed, roundingUp: true))")
    }
    // The largest share that fits, up to an even split of all units.
    var low = 1
    var high = Swift.max(1, (plan.unitCount + workers - 1) / workers)
    while low < high {
      let mid = (low + high + 1) / 2
      if fit(mid) <= budget.bytes { low = mid } else { high = mid - 1 }
    }
    unitsPerWorker = low
    bytesPerRank = fit(low) - (low - 1) * unitBytes
    supersteps =
      holdsNodes
      ? Self.heldSupersteps(units: plan.unitCount, workers: workers, share: low)
      : (plan.unitCount + low * workers - 1) / (low * workers)
  }

  /// Supersteps of equally fast workers that keep their results (`HeldRanges`): whole shares
  /// while a gap between two workers holds four, then half of what is left each time.
  public static func heldSupersteps(units: Int, workers: Int, share: Int) -> Int {
    guard workers > 1 else { return (units + share - 1) / share }
    var gap = (units + workers - 2) / (workers - 1)
    var steps = 0
    if gap > 4 * share {
      let whole = (gap - 4 * share + 2 * share - 1) / (2 * share)
      steps += whole
      gap -= 2 * share * whole
    }
    while gap > 0 {
      gap -= Swift.min(gap, 2 * Swift.min(share, (gap + 3) / 4))
      steps += 1
    }
    return steps
  }

  /// The budget a share of `share` units per worker per superstep needs (its data and partials).
  public static func bytesPerRank(
    plan: ReductionPlan, workers: Int, share: Int, elementSize: Int, fieldsPerPoint: Int,
    holding: Bool = false
  ) -> Int {
    bytesPerRank(
      plan: plan, workers: workers, share: share, elementSize: elementSize,
      fields: PartialFields(fieldsPerPoint), holding: holding)
  }

  /// The same for partials of `fields` per point by tree level.
  public static func bytesPerRank(
    plan: ReductionPlan, workers: Int, share: Int, elementSize: Int, fields: PartialFields,
    holding: Bool = false
  ) -> Int {
    bytes(
      plan: plan, workers: workers, share: share, unitBytes: plan.maxUnitElements * elementSize,
      fields: fields, holding: holding)
  }

  /// The memory model (documented in docs/runtime.md).
  static func bytes(
    plan: ReductionPlan, workers: Int, share: Int, unitBytes: Int, fields: PartialFields,
    holding: Bool = false
  ) -> Int {
    let tree = CanonicalTree(leaves: plan.unitsPerTile)
    let pointBytes = plan.maxTilePoints * 8
    // The nodes of a range of `units` consecutive units: per tile it touches, at most two per
    // level up to the level of 2^k <= units (and the level of the whole tile).
    func nodes(_ units: Int) -> Int {
      let tiles = Swift.min(plan.tileCount, (units + plan.unitsPerTile - 1) / plan.unitsPerTile + 1)
      var top = 0
      while top < tree.height && (2 << top) <= units { top += 1 }
      let perTile = (0...top).reduce(0) { $0 + 2 * fields.at(level: $1) }
      // And never more nodes than units.
      return Swift.min(tiles * perTile, units * fields.at(level: top)) * pointBytes
    }
    let reads = share * unitBytes
    let largest = fields.at(level: tree.height) * pointBytes
    // A tile in progress: at most one node per level below the root at each end of a range.
    let frontier = (0..<tree.height).reduce(0) { $0 + fields.at(level: $1) } * pointBytes
    let tiles = Swift.min(plan.tileCount, plan.unitCount)
    if holding {
      // Own superstep's nodes and a merge temporary, then what a worker holds: its range's
      // finished tiles and the frontiers at its two ends (one for worker 0's prefix and the
      // last worker's suffix), and at the end the range it receives from its subtree. With
      // one worker: a prefix; with two: a prefix and the suffix it receives.
      let ends = workers == 1 ? 1 : workers == 2 ? 2 : 4
      return reads + nodes(share) + largest + tiles * largest + ends * frontier
    }
    // Own nodes, the subtree's nodes received in the exchange, one merge temporary.
    let exchange = nodes(share) + nodes(share * workers) + largest
    // The keeper's finished tiles and the frontier of the tile in progress: supersteps go
    // out in unit order, so the keeper holds the tile's units up to some point, at most one
    // node per level below the root.
    let kept = tiles * largest + frontier
    return reads + exchange + kept
  }
}

/// A plan that cannot be made, with what the user can do about it.
public struct PlanError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
