/// Any reducer, run separately for each group of indices along one dimension (time): a
/// monthly climatology is a mean grouped by the month of each time step. Dimensions before
/// it must have extent 1 in every block (as the variables' dimension of `--var a,b` does).
///
/// A partial holds one slot, the base reducer's partial, per group its units touched
/// (`Partial.groups`, ascending): a unit of 24 days carries one or two months, a tree node
/// only the months below it, so partials stay small however many groups there are. A unit's
/// block is cut into runs of consecutive steps of one group; each run is reduced into its
/// group's slot, always in the block's order, so the result stays independent of who
/// reduces what. A group no unit touched finalizes as the base's fresh partial (no data).
public struct GroupedReducer: Reducer {
  public let base: any Reducer
  /// The group of each index along `axis`.
  public let groupOfIndex: [Int32]
  public let groupCount: Int
  /// The grouped dimension.
  public let axis: Int

  public init(base: any Reducer, groupOfIndex: [Int32], groupCount: Int, axis: Int = 0) {
    precondition(groupOfIndex.allSatisfy { $0 >= 0 && Int($0) < groupCount })
    self.base = base
    self.groupOfIndex = groupOfIndex
    self.groupCount = groupCount
    self.axis = axis
  }

  public var name: String { base.name }

  /// Fields per point when every group is held: the most a partial carries.
  public var fieldsPerPoint: Int { base.fieldsPerPoint * groupCount }
  public var groups: Int? { groupCount }
  /// A piece of the points touches the same steps, so the same groups, as the whole block.
  public var pointsAreIndependent: Bool { base.pointsAreIndependent }

  /// No group yet.
  public func makePartial(points: Int) -> Partial {
    Partial(points: points, groups: [], slots: [])
  }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    precondition(partial.groups != nil, "a grouped partial comes from makePartial")
    forEachRun(of: block) { group, run in
      if let i = partial.groups!.firstIndex(of: group) {
        if base.accumulatesInPieces {
          // The base folds in order from what the slot holds: no fresh partial per run.
          base.accumulate(run, into: &partial.slots[i])
        } else {
          var fresh = base.makePartial(points: partial.points)
          base.accumulate(run, into: &fresh)
          base.merge(fresh, into: &partial.slots[i])
        }
      } else {
        // A group new to this partial: its slot is the run's own partial.
        var fresh = base.makePartial(points: partial.points)
        base.accumulate(run, into: &fresh)
        partial.insert(fresh, group: group)
      }
    }
  }

  /// Calls `body` with each run of the block's consecutive steps of one group, in order.
  func forEachRun(of block: Block, _ body: (_ group: Int, _ run: Block) -> Void) {
    precondition(block.reduced[axis], "the grouped dimension must be reduced")
    precondition(block.shape[..<axis].allSatisfy { $0 == 1 }, "steps must be contiguous")
    let steps = block.shape[axis]
    let plane = block.values.count / Swift.max(steps, 1)
    let origin = block.start[axis]
    var first = 0
    while first < steps {
      let group = Int(groupOfIndex[origin + first])
      var end = first + 1
      while end < steps && Int(groupOfIndex[origin + end]) == group { end += 1 }
      var shape = block.shape
      shape[axis] = end - first
      var start = block.start
      start[axis] += first
      let values: Block.Values
      switch block.values {
      case .float32(let v):
        values = .float32(UnsafeBufferPointer(rebasing: v[(first * plane)..<(end * plane)]))
      case .float64(let v):
        values = .float64(UnsafeBufferPointer(rebasing: v[(first * plane)..<(end * plane)]))
      }
      body(
        group,
        Block(
          values: values, shape: shape, start: start, reduced: block.reduced,
          missing: block.missing))
      first = end
    }
  }

  /// Each group both sides hold is merged by the base, slot into slot; a group only right
  /// holds has its slot moved over as it is (its values are not copied, and no partial of
  /// all the groups is built: that copying was most of a monthly climatology's merge time).
  public func merge(_ right: Partial, into left: inout Partial) {
    let r = right.groups!
    var i = 0
    for (j, g) in r.enumerated() {
      while i < left.groups!.count && left.groups![i] < g { i += 1 }
      if i < left.groups!.count && left.groups![i] == g {
        base.merge(right.slots[j], into: &left.slots[i])
      } else {
        left.insert(right.slots[j], group: g)
      }
      i += 1
    }
  }

  /// Each group's slot as the base compacts it.
  public func compact(_ partial: inout Partial) {
    for i in partial.slots.indices { base.compact(&partial.slots[i]) }
  }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    let held = partial.groups ?? []
    let empty = base.makePartial(points: n)
    for g in 0..<groupCount {
      let out = UnsafeMutableBufferPointer(rebasing: output[(g * n)..<((g + 1) * n)])
      base.finalize(held.firstIndex(of: g).map { partial.slots[$0] } ?? empty, into: out)
    }
  }
}
