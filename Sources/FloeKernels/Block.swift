/// The values of one unit: a rectangular block of the input variable, read whole, in
/// row-major order, with what a reducer needs to know to fold it.
public struct Block {
  /// The values as read: float32 variables stay float32; every other type is read as float64.
  public enum Values {
    case float32(UnsafeBufferPointer<Float>)
    case float64(UnsafeBufferPointer<Double>)

    public var count: Int {
      switch self {
      case .float32(let v): v.count
      case .float64(let v): v.count
      }
    }
  }

  public var values: Values
  /// The block's extent along every dimension of the variable.
  public var shape: [Int]
  /// The block's first element in the variable.
  public var start: [Int]
  /// For every dimension, whether it is reduced (true) or kept in the output (false).
  public var reduced: [Bool]
  /// Values that mean "missing" (the variable's `_FillValue` / `missing_value`); NaN is
  /// always missing.
  public var missing: MissingValues

  public init(
    values: Values, shape: [Int], start: [Int], reduced: [Bool], missing: MissingValues
  ) {
    precondition(shape.count == reduced.count && shape.count == start.count)
    precondition(values.count == shape.reduce(1, *))
    self.values = values
    self.shape = shape
    self.start = start
    self.reduced = reduced
    self.missing = missing
  }

  /// The number of output points the block covers (the product of its kept extents).
  public var points: Int { zip(shape, reduced).reduce(1) { $0 * ($1.1 ? 1 : $1.0) } }

  /// Calls `body(value, point)` for every valid (not missing, not NaN) value in row-major
  /// order, with the output point it belongs to. The simple way to write a reducer; the
  /// built-in ones use `forEachRun` for speed.
  @inlinable
  public func forEachValidValue(_ body: (Double, Int) -> Void) {
    let missing = self.missing.values
    func visit<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) {
      forEachRun { offset, length, point, stride in
        for i in 0..<length {
          let x = Double(values[offset + i])
          if x.isNaN || missing.contains(x) { continue }
          body(x, point + i * stride)
        }
      }
    }
    switch values {
    case .float32(let v): visit(v)
    case .float64(let v): visit(v)
    }
  }

  /// When every reduced dimension comes before every kept one (a time mean), each run is
  /// one whole set of output points: returns how many; else nil.
  @inlinable
  public var everyRunCoversAllPoints: Int? {
    guard let firstKept = reduced.firstIndex(of: false), !reduced[firstKept...].contains(true),
      firstKept > 0
    else { return nil }
    return points
  }

  /// Walks the block as runs of consecutive values. Trailing dimensions that are all kept
  /// (or all reduced) collapse into one run: a time mean sees one run of all the grid points
  /// per time step; a field mean sees one run of all grid points per step, folded into one
  /// output point. `body(valueOffset, length, firstPoint, pointStride)`: value i of the run
  /// belongs to output point `firstPoint + i * pointStride` (`pointStride` is 1 or 0).
  @inlinable
  public func forEachRun(_ body: (Int, Int, Int, Int) -> Void) {
    let rank = shape.count
    if rank == 0 {
      body(0, 1, 0, 0)
      return
    }
    // How many trailing dimensions share the last one's kind, and the run length.
    var tail = rank - 1
    var runLength = shape[rank - 1]
    while tail > 0 && reduced[tail - 1] == reduced[rank - 1] {
      tail -= 1
      runLength *= shape[tail]
    }
    let pointStride = reduced[rank - 1] ? 0 : 1
    // Point strides of the leading (outer) dimensions: row-major over kept dimensions.
    var keptStride = [Int](repeating: 0, count: rank)
    var nextStride = reduced[rank - 1] ? 1 : runLength
    for d in stride(from: tail - 1, through: 0, by: -1) where !reduced[d] {
      keptStride[d] = nextStride
      nextStride *= shape[d]
    }
    if tail == 0 {
      body(0, runLength, 0, pointStride)
      return
    }
    var index = [Int](repeating: 0, count: tail)
    var offset = 0
    var point = 0
    while true {
      body(offset, runLength, point, pointStride)
      offset += runLength
      // Odometer over the outer dimensions.
      var d = tail - 1
      while d >= 0 {
        index[d] += 1
        point += keptStride[d]
        if index[d] < shape[d] { break }
        point -= keptStride[d] * shape[d]
        index[d] = 0
        d -= 1
      }
      if d < 0 { return }
    }
  }
}

/// The values that mark a point as missing, compared in the data's own type.
public struct MissingValues: Sendable, Equatable {
  public var values: [Double]
  public init(_ values: [Double] = []) { self.values = values }

  /// The first two as Float (or NaN, which never compares equal and so never matches).
  @inlinable var float32Pair: (Float, Float) {
    (values.count > 0 ? Float(values[0]) : .nan, values.count > 1 ? Float(values[1]) : .nan)
  }
  @inlinable var float64Pair: (Double, Double) {
    (values.count > 0 ? values[0] : .nan, values.count > 1 ? values[1] : .nan)
  }
}
