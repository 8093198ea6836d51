/// A reducer's state for one output tile: `fields` doubles per point, field-major (all
/// points' field 0, then all points' field 1, ...), so each field is a contiguous array
/// that SIMD loops run over. Moved between ranks as its raw bytes.
///
/// A grouped reduction's partial (a monthly climatology) holds only the groups its units
/// touched, in `groups`, each in its own slot: the base reducer's partial for that group. A
/// unit of 24 days carries one or two months, not twelve; a merge moves a slot from one
/// partial to the other without copying its values, and adds only the groups both hold.
public struct Partial: Sendable, Equatable {
  public let points: Int
  /// Doubles per point held: in `storage`, or in all of `slots` together.
  public internal(set) var fields: Int
  /// The values of an ungrouped partial; empty for a grouped one.
  public var storage: [Double]
  /// For a grouped reduction: the groups held, ascending. nil for every other reduction.
  public internal(set) var groups: [Int]?
  /// For a grouped reduction: the base reducer's partial of each group in `groups`.
  public internal(set) var slots: [Partial]

  /// All zero.
  public init(points: Int, fields: Int) {
    self.init(
      points: points, fields: fields, storage: [Double](repeating: 0, count: points * fields))
  }

  public init(points: Int, fields: Int, storage: [Double]) {
    precondition(storage.count == points * fields)
    self.points = points
    self.fields = fields
    self.storage = storage
    groups = nil
    slots = []
  }

  /// A grouped partial holding `slots`, the base's partials of `groups` (ascending).
  public init(points: Int, groups: [Int], slots: [Partial]) {
    precondition(groups.count == slots.count && zip(groups, groups.dropFirst()).allSatisfy(<))
    precondition(slots.allSatisfy { $0.points == points && $0.groups == nil })
    self.points = points
    fields = slots.reduce(0) { $0 + $1.fields }
    storage = []
    self.groups = groups
    self.slots = slots
  }

  /// All zero, with the same fields and groups as `shape`, for `points` points: the partial
  /// a unit's pieces are placed in.
  public init(zeroLike shape: Partial, points: Int) {
    if let groups = shape.groups {
      self.init(
        points: points, groups: groups,
        slots: shape.slots.map { Partial(points: points, fields: $0.fields) })
    } else {
      self.init(points: points, fields: shape.fields)
    }
  }

  /// Puts `slot` in as group `group`'s, which this grouped partial does not hold yet.
  mutating func insert(_ slot: Partial, group: Int) {
    let at = groups!.firstIndex { $0 >= group } ?? groups!.count
    precondition(at == groups!.count || groups![at] != group, "group \(group) held twice")
    groups!.insert(group, at: at)
    slots.insert(slot, at: at)
    fields += slot.fields
  }

  /// Every array of doubles held, in order: the storage, or each group's slot's.
  public var arrays: [[Double]] { groups == nil ? [storage] : slots.map(\.storage) }

  /// Copies `piece`'s every field to this partial's points from `first` on: a piece of a
  /// unit's points put in its place.
  public mutating func place(_ piece: Partial, atPoint first: Int) {
    precondition(piece.fields == fields && piece.groups == groups, "a piece holds other fields")
    precondition(first >= 0 && first + piece.points <= points)
    if groups != nil {
      for i in slots.indices { slots[i].place(piece.slots[i], atPoint: first) }
      return
    }
    let (n, m) = (points, piece.points)
    piece.storage.withUnsafeBufferPointer { from in
      storage.withUnsafeMutableBufferPointer { to in
        for f in 0..<fields {
          (to.baseAddress! + f * n + first).update(from: from.baseAddress! + f * m, count: m)
        }
      }
    }
  }

  /// Bytes of state.
  public var byteCount: Int { points * fields * 8 }

  /// Adds `other` element by element: the merge of every reducer whose state is sums.
  @inlinable
  public mutating func add(_ other: Partial) {
    precondition(other.storage.count == storage.count && other.groups == groups)
    other.storage.withUnsafeBufferPointer { r in
      storage.withUnsafeMutableBufferPointer { l in
        for i in 0..<l.count { l[i] += r[i] }
      }
    }
  }

  /// Adds `values` element by element to the storage from `offset` on.
  @inlinable
  public mutating func add(_ values: ArraySlice<Double>, at offset: Int) {
    precondition(offset >= 0 && offset + values.count <= storage.count)
    values.withUnsafeBufferPointer { r in
      storage.withUnsafeMutableBufferPointer { l in
        for i in 0..<r.count { l[offset + i] += r[i] }
      }
    }
  }

  /// Calls `body` with field `f` of every point.
  @inlinable
  public mutating func withField<R>(_ f: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> R)
    -> R
  {
    let n = points
    return storage.withUnsafeMutableBufferPointer {
      body(UnsafeMutableBufferPointer(rebasing: $0[(f * n)..<((f + 1) * n)]))
    }
  }

  /// Calls `body` with every field, in order.
  @inlinable
  public mutating func withFields<R>(_ body: ([UnsafeMutableBufferPointer<Double>]) -> R) -> R {
    let n = points
    let k = fields
    return storage.withUnsafeMutableBufferPointer { all in
      body((0..<k).map { UnsafeMutableBufferPointer(rebasing: all[($0 * n)..<(($0 + 1) * n)]) })
    }
  }
}
