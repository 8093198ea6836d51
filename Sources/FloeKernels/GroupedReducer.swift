/// Any reducer, run separately for each group of indices along one dimension (time): a
/// monthly climatology is a mean grouped by the month of each time step. Dimensions before
/// it must have extent 1 in every block (as the variables' dimension of `--var a,b` does).
///
/// A partial holds one slot of the base reducer's fields per group its units touched
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
    Partial(points: points, fields: 0, storage: [], groups: [])
  }

  func slotRange(_ i: Int, points: Int) -> Range<Int> {
    let size = base.fieldsPerPoint * points
    return (i * size)..<((i + 1) * size)
  }

  /// Calls `body` with the slot at position `i` of `partial`'s groups, in place.
  func withSlot(_ i: Int, of partial: inout Partial, _ body: (inout Partial) -> Void) {
    let fields = base.fieldsPerPoint
    if partial.groups?.count == 1 {
      // The whole storage is the slot: move it out and back, no copy.
      var slot = Partial(points: partial.points, fields: fields, storage: partial.storage)
      partial.storage = []
      body(&slot)
      partial.storage = slot.storage
      return
    }
    let range = slotRange(i, points: partial.points)
    var slot = Partial(
      points: partial.points, fields: fields, storage: Array(partial.storage[range]))
    body(&slot)
    partial.storage.replaceSubrange(range, with: slot.storage)
  }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    precondition(block.reduced[axis], "the grouped dimension must be reduced")
    precondition(block.shape[..<axis].allSatisfy { $0 == 1 }, "steps must be contiguous")
    precondition(partial.groups != nil, "a grouped partial comes from makePartial")
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
      let held = partial.groups!
      let at = held.firstIndex { $0 >= group } ?? held.count
      if at < held.count && held[at] == group {
        withSlot(at, of: &partial) { slot in
          if base.accumulatesInPieces {
            // The base folds in order from what the slot holds: no fresh partial per run.
            base.accumulate(run, into: &slot)
          } else {
            var fresh = base.makePartial(points: slot.points)
            base.accumulate(run, into: &fresh)
            base.merge(fresh, into: &slot)
          }
        }
      } else {
        // A group new to this partial: its slot is the run's own partial.
        var fresh = base.makePartial(points: partial.points)
        base.accumulate(run, into: &fresh)
        partial.storage.insert(
          contentsOf: fresh.storage, at: at * base.fieldsPerPoint * partial.points)
        partial.groups!.insert(group, at: at)
        partial.fields += base.fieldsPerPoint
      }
      first = end
    }
  }

  public func merge(_ right: Partial, into left: inout Partial) {
    if base.mergesByAdding {
      return mergeSums(right, into: &left)
    }
    let l = left.groups!
    let r = right.groups!
    // Right's groups all in left (the usual case high in the tree): merge in place.
    if r.allSatisfy(l.contains) {
      for (j, g) in r.enumerated() {
        let i = l.firstIndex(of: g)!
        let other = Partial(
          points: right.points, fields: base.fieldsPerPoint,
          storage: Array(right.storage[slotRange(j, points: right.points)]))
        withSlot(i, of: &left) { base.merge(other, into: &$0) }
      }
      return
    }
    let points = left.points
    let fields = base.fieldsPerPoint
    func slot(_ p: Partial, _ i: Int) -> ArraySlice<Double> {
      p.storage[slotRange(i, points: points)]
    }
    var storage: [Double] = []
    var groups: [Int] = []
    storage.reserveCapacity(Set(l).union(r).count * fields * points)
    var i = 0
    var j = 0
    while i < l.count || j < r.count {
      if j == r.count || (i < l.count && l[i] < r[j]) {
        storage.append(contentsOf: slot(left, i))
        groups.append(l[i])
        i += 1
      } else if i == l.count || r[j] < l[i] {
        storage.append(contentsOf: slot(right, j))
        groups.append(r[j])
        j += 1
      } else {
        var merged = Partial(points: points, fields: fields, storage: Array(slot(left, i)))
        base.merge(
          Partial(points: points, fields: fields, storage: Array(slot(right, j))), into: &merged)
        storage.append(contentsOf: merged.storage)
        groups.append(l[i])
        i += 1
        j += 1
      }
    }
    left = Partial(points: points, fields: groups.count * fields, storage: storage, groups: groups)
  }

  /// The merge when the base's merge is a sum: when left holds every group of right (the
  /// usual case high in the tree), right's slots are added into left's in place; otherwise
  /// the union of the groups is built in one pass — each slot copied once, shared ones added —
  /// instead of inserting right's groups one by one, which moved all of left's later slots
  /// for each (memmove of tens of MB per insert when the tree adds an earlier range into a
  /// larger later one). Each shared group's values are added as the base would (a + b ==
  /// b + a, which also lets the tree add the smaller partial into the larger).
  func mergeSums(_ right: Partial, into left: inout Partial) {
    let l = left.groups!
    let r = right.groups!
    let slotSize = base.fieldsPerPoint * left.points
    let slot = { (p: Partial, i: Int) in p.storage[(i * slotSize)..<((i + 1) * slotSize)] }
    if r.allSatisfy(Set(l).contains) {
      var i = 0
      for (j, g) in r.enumerated() {
        while l[i] < g { i += 1 }
        left.add(slot(right, j), at: i * slotSize)
      }
      return
    }
    var groups: [Int] = []
    groups.reserveCapacity(l.count + r.count)
    var merged = Partial(points: left.points, fields: 0, storage: [], groups: [])
    merged.storage.reserveCapacity((l.count + r.count) * slotSize)
    var i = 0
    var j = 0
    while i < l.count || j < r.count {
      if j == r.count || (i < l.count && l[i] < r[j]) {
        merged.storage.append(contentsOf: slot(left, i))
        groups.append(l[i])
        i += 1
      } else if i == l.count || r[j] < l[i] {
        merged.storage.append(contentsOf: slot(right, j))
        groups.append(r[j])
        j += 1
      } else {
        merged.storage.append(contentsOf: slot(left, i))
        merged.add(slot(right, j), at: groups.count * slotSize)
        groups.append(l[i])
        i += 1
        j += 1
      }
    }
    merged.groups = groups
    merged.fields = groups.count * base.fieldsPerPoint
    left = merged
  }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    let held = partial.groups ?? []
    let empty = base.makePartial(points: n)
    for g in 0..<groupCount {
      let out = UnsafeMutableBufferPointer(rebasing: output[(g * n)..<((g + 1) * n)])
      if let i = held.firstIndex(of: g) {
        let slot = Partial(
          points: n, fields: base.fieldsPerPoint,
          storage: Array(partial.storage[slotRange(i, points: n)]))
        base.finalize(slot, into: out)
      } else {
        base.finalize(empty, into: out)
      }
    }
  }
}
