/// A reducer's state for one output tile: `fields` doubles per point, field-major (all
/// points' field 0, then all points' field 1, ...), so each field is a contiguous array
/// that SIMD loops run over. Moved between ranks as its raw bytes.
///
/// A grouped reduction's partial (a monthly climatology) holds only the groups its units
/// touched, in `groups`: a unit of 24 days carries one or two months, not twelve.
public struct Partial: Sendable, Equatable {
  public let points: Int
  /// Doubles per point held in `storage`.
  public internal(set) var fields: Int
  public var storage: [Double]
  /// For a grouped reduction: the groups held, ascending, each in an equal slot of
  /// `fields / groups.count` fields. nil for every other reduction.
  public internal(set) var groups: [Int]?

  /// All zero.
  public init(points: Int, fields: Int) {
    self.points = points
    self.fields = fields
    storage = [Double](repeating: 0, count: points * fields)
  }

  public init(points: Int, fields: Int, storage: [Double], groups: [Int]? = nil) {
    precondition(storage.count == points * fields)
    self.points = points
    self.fields = fields
    self.storage = storage
    self.groups = groups
  }

  /// All zero, holding `groups` (a grouped reduction's partial).
  public init(points: Int, fields: Int, groups: [Int]?) {
    self.init(points: points, fields: fields)
    self.groups = groups
  }

  /// Copies `piece`'s every field to this partial's points from `first` on: a piece of a
  /// unit's points put in its place.
  @inlinable
  public mutating func place(_ piece: Partial, atPoint first: Int) {
    precondition(piece.fields == fields && piece.groups == groups, "a piece holds other fields")
    precondition(first >= 0 && first + piece.points <= points)
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
  public var byteCount: Int { storage.count * 8 }

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
