/// Any reducer, run separately for each group of indices along one dimension (time): a
/// monthly climatology is a mean grouped by the month of each time step. Dimensions before
/// it must have extent 1 in every block (as the variables' dimension of `--var a,b` does).
///
/// The partial holds one slot of the base reducer's fields per group (contiguous, because
/// partials are field-major). A unit's block is cut into runs of consecutive steps of one
/// group; each run is reduced into a fresh base partial and merged into its group's slot,
/// always in the block's order, so the result stays independent of who reduces what.
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
  public var fieldsPerPoint: Int { base.fieldsPerPoint * groupCount }
  public var groups: Int? { groupCount }
  public var mergesByAdding: Bool { base.mergesByAdding }

  public func makePartial(points: Int) -> Partial {
    let fresh = base.makePartial(points: points).storage
    var storage: [Double] = []
    storage.reserveCapacity(fresh.count * groupCount)
    for _ in 0..<groupCount { storage.append(contentsOf: fresh) }
    return Partial(points: points, fields: fieldsPerPoint, storage: storage)
  }

  func slotRange(_ g: Int, points: Int) -> Range<Int> {
    let size = base.fieldsPerPoint * points
    return (g * size)..<((g + 1) * size)
  }

  public func accumulate(_ block: Block, into partial: inout Partial) {
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
      let run = Block(
        values: values, shape: shape, start: start, reduced: block.reduced, missing: block.missing)
      let range = slotRange(group, points: partial.points)
      var slot = Partial(
        points: partial.points, fields: base.fieldsPerPoint, storage: Array(partial.storage[range]))
      if base.accumulatesInPieces {
        // The base folds in order from what the slot holds: no fresh partial per run.
        base.accumulate(run, into: &slot)
      } else {
        var fresh = base.makePartial(points: partial.points)
        base.accumulate(run, into: &fresh)
        base.merge(fresh, into: &slot)
      }
      partial.storage.replaceSubrange(range, with: slot.storage)
      first = end
    }
  }

  public func merge(_ right: Partial, into left: inout Partial) {
    // Sums merge by adding, slot by slot alike: add the whole partial at once.
    if base.mergesByAdding {
      left.add(right)
      return
    }
    for g in 0..<groupCount {
      let range = slotRange(g, points: left.points)
      var slot = Partial(
        points: left.points, fields: base.fieldsPerPoint, storage: Array(left.storage[range]))
      base.merge(
        Partial(
          points: right.points, fields: base.fieldsPerPoint, storage: Array(right.storage[range])),
        into: &slot)
      left.storage.replaceSubrange(range, with: slot.storage)
    }
  }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    for g in 0..<groupCount {
      let slot = Partial(
        points: n, fields: base.fieldsPerPoint,
        storage: Array(partial.storage[slotRange(g, points: n)]))
      base.finalize(
        slot, into: UnsafeMutableBufferPointer(rebasing: output[(g * n)..<((g + 1) * n)]))
    }
  }
}
