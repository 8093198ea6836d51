/// A reducer's state for one output tile: `fields` doubles per point, field-major (all
/// points' field 0, then all points' field 1, ...), so each field is a contiguous array
/// that SIMD loops run over. Moved between ranks as its raw bytes.
///
/// A grouped reduction's partial (a monthly climatology) holds only the groups its units
/// touched, in `groups`, each in its own slot: the base reducer's partial for that group. A
/// unit of 24 days carries one or two months, not twelve; a merge moves a slot from one
/// partial to the other without copying its values, and adds only the groups both hold.
///
/// A reducer may hold field 0 once for all points when every point has the same value there
/// (`sameField0`): the count, for input with no missing values. That halves a mean's
/// partials, so its merges and messages (see `Reducer.compact`).
public struct Partial: Sendable, Equatable {
  public let points: Int
  /// Doubles per point: in `storage`, or in all of `slots` together (field 0 counted even
  /// when it is held once, in `sameField0`).
  public internal(set) var fields: Int
  /// The values of an ungrouped partial, field-major; empty for a grouped one. Without field
  /// 0 when `sameField0` holds it.
  public var storage: [Double]
  /// Field 0's value at every point, when it is held once instead of per point.
  public internal(set) var sameField0: Double?
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
    self.init(points: points, fields: fields, storage: storage, sameField0: nil)
  }

  /// An ungrouped partial whose field 0 is `sameField0` at every point, if given: then
  /// `storage` holds the other fields only.
  public init(points: Int, fields: Int, storage: [Double], sameField0: Double?) {
    precondition(storage.count == points * (sameField0 == nil ? fields : fields - 1))
    self.points = points
    self.fields = fields
    self.storage = storage
    self.sameField0 = sameField0
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

  /// With the same fields and groups as `shape`, for `points` points, and values not set:
  /// the partial a unit's pieces are placed in, which together cover every point (zeroing
  /// it first was a pass of memset over every unit's partial for nothing).
  public init(unsetLike shape: Partial, points: Int) {
    if let groups = shape.groups {
      self.init(
        points: points, groups: groups,
        slots: shape.slots.map { Partial(unsetPoints: points, fields: $0.fields) })
    } else {
      self.init(unsetPoints: points, fields: shape.fields)
    }
  }

  /// An ungrouped partial of `fields` per point whose values are not set: for pieces that
  /// will cover every point.
  public init(unsetPoints points: Int, fields: Int) {
    let count = points * fields
    self.init(
      points: points, fields: fields,
      storage: [Double](unsafeUninitializedCapacity: count) { $1 = count })
  }

  /// Puts `slot` in as group `group`'s, which this grouped partial does not hold yet.
  mutating func insert(_ slot: Partial, group: Int) {
    let at = groups!.firstIndex { $0 >= group } ?? groups!.count
    precondition(at == groups!.count || groups![at] != group, "group \(group) held twice")
    groups!.insert(group, at: at)
    slots.insert(slot, at: at)
    fields += slot.fields
  }

  /// The ungrouped partials held: this one, or each group's slot.
  public var parts: [Partial] { groups == nil ? [self] : slots }

  /// Holds field 0 once if every point has the same value there (and `points` > 0).
  public mutating func holdField0OnceIfSame() {
    precondition(groups == nil && fields > 0)
    guard sameField0 == nil, points > 0 else { return }
    let first = storage[0]
    guard !first.isNaN else { return }
    let same = storage.withUnsafeBufferPointer { s in
      // Compared as bits, so a NaN or -0 is never taken for another value; a block at a
      // time, so that counts that differ (input with missing values) stop the scan early.
      var from = 0
      while from < points {
        let to = Swift.min(from + 1024, points)
        var differ: UInt64 = 0
        for p in from..<to { differ |= s[p].bitPattern ^ first.bitPattern }
        guard differ == 0 else { return false }
        from = to
      }
      return true
    }
    guard same else { return }
    storage.removeFirst(points)
    sameField0 = first
  }

  /// Holds field 0 per point again.
  public mutating func holdField0PerPoint() {
    guard let value = sameField0 else { return }
    storage.insert(contentsOf: repeatElement(value, count: points), at: 0)
    sameField0 = nil
  }

  /// Before a merge: whether both hold field 0 once; if not, neither does any more.
  static func countsHeldAlike(_ left: inout Partial, _ right: inout Partial) -> Bool {
    if left.sameField0 != nil && right.sameField0 != nil { return true }
    left.holdField0PerPoint()
    right.holdField0PerPoint()
    return false
  }

  /// Copies `piece`'s every field to this partial's points from `first` on: a piece of a
  /// unit's points put in its place.
  public mutating func place(_ piece: Partial, atPoint first: Int) {
    precondition(piece.fields == fields && piece.groups == groups, "a piece holds other fields")
    precondition(sameField0 == nil && piece.sameField0 == nil, "field 0 held once")
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
  public var byteCount: Int {
    groups == nil
      ? (storage.count + (sameField0 == nil ? 0 : 1)) * 8 : slots.reduce(0) { $0 + $1.byteCount }
  }

  /// Adds `other` element by element: the merge of every reducer whose state is sums. Field
  /// 0 held once on both sides stays so (the same sums as per point, bit for bit).
  public mutating func add(_ other: Partial) {
    precondition(other.fields == fields && other.groups == nil && groups == nil)
    var other = other
    if Self.countsHeldAlike(&self, &other) { sameField0! += other.sameField0! }
    other.storage.withUnsafeBufferPointer { r in
      storage.withUnsafeMutableBufferPointer { l in
        for i in 0..<l.count { l[i] += r[i] }
      }
    }
  }

  /// Adds `values` element by element to the storage from `offset` on.
  @inlinable
  public mutating func add(_ values: ArraySlice<Double>, at offset: Int) {
    precondition(sameField0 == nil && offset >= 0 && offset + values.count <= storage.count)
    values.withUnsafeBufferPointer { r in
      storage.withUnsafeMutableBufferPointer { l in
        for i in 0..<r.count { l[offset + i] += r[i] }
      }
    }
  }

  /// Calls `body` with field `f` of every point (field 0 held per point again first).
  @inlinable
  public mutating func withField<R>(_ f: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> R)
    -> R
  {
    holdField0PerPoint()
    let n = points
    return storage.withUnsafeMutableBufferPointer {
      body(UnsafeMutableBufferPointer(rebasing: $0[(f * n)..<((f + 1) * n)]))
    }
  }

  /// Calls `body` with every field, in order (field 0 held per point again first).
  @inlinable
  public mutating func withFields<R>(_ body: ([UnsafeMutableBufferPointer<Double>]) -> R) -> R {
    withFields(at: 0..<points, body)
  }

  /// Calls `body` with every field of the points `range`, in order (field 0 held per point
  /// again first).
  @inlinable
  public mutating func withFields<R>(
    at range: Range<Int>, _ body: ([UnsafeMutableBufferPointer<Double>]) -> R
  ) -> R {
    precondition(groups == nil && range.lowerBound >= 0 && range.upperBound <= points)
    holdField0PerPoint()
    let n = points
    let k = fields
    return storage.withUnsafeMutableBufferPointer { all in
      body(
        (0..<k).map {
          UnsafeMutableBufferPointer(
            rebasing: all[($0 * n + range.lowerBound)..<($0 * n + range.upperBound)])
        })
    }
  }
}
