/// A reducer's state for one output tile: `fields` doubles per point, field-major (all
/// points' field 0, then all points' field 1, ...), so each field is a contiguous array
/// that SIMD loops run over. Moved between ranks as its raw bytes.
public struct Partial: Sendable, Equatable {
  public let points: Int
  public let fields: Int
  public var storage: [Double]

  /// All zero.
  public init(points: Int, fields: Int) {
    self.points = points
    self.fields = fields
    storage = [Double](repeating: 0, count: points * fields)
  }

  public init(points: Int, fields: Int, storage: [Double]) {
    precondition(storage.count == points * fields)
    self.points = points
    self.fields = fields
    self.storage = storage
  }

  /// Bytes of state.
  public var byteCount: Int { storage.count * 8 }

  /// Adds `other` element by element: the merge of every reducer whose state is sums.
  @inlinable
  public mutating func add(_ other: Partial) {
    precondition(other.storage.count == storage.count)
    other.storage.withUnsafeBufferPointer { r in
      storage.withUnsafeMutableBufferPointer { l in
        for i in 0..<l.count { l[i] += r[i] }
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
