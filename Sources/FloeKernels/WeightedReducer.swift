import CFloeKernels

/// A weighted mean or sum: each value counts with the weight of its position along some
/// axes (cos(latitude) along the latitude axis for an area-weighted field mean; cell areas
/// over latitude and longitude). Fields: sum of weights of valid values (0) and sum of
/// weight x value (1). Weights of missing values do not count: the mean is over the valid
/// points only.
public struct WeightedSumReducer: Reducer {
  /// Row-major over `axes`, one per position of the reduced extent along them.
  public let weights: [Double]
  /// The variable's dimensions the weights run along, increasing.
  public let axes: [Int]
  /// Stride in `weights` of one step along each of `axes`.
  let strides: [Int]
  public let mean: Bool

  /// `extents`: the length of the reduced extent along each of `axes`.
  public init(weights: [Double], axes: [Int], extents: [Int], mean: Bool) {
    precondition(axes.count == extents.count && weights.count == extents.reduce(1, *))
    self.weights = weights
    self.axes = axes
    var strides = [Int](repeating: 1, count: extents.count)
    for k in stride(from: extents.count - 2, through: 0, by: -1) {
      strides[k] = strides[k + 1] * extents[k + 1]
    }
    self.strides = strides
    self.mean = mean
  }

  /// Weights along one axis.
  public init(weights: [Double], axis: Int, mean: Bool) {
    self.init(weights: weights, axes: [axis], extents: [weights.count], mean: mean)
  }

  public var name: String { mean ? "mean" : "sum" }
  public var fieldsPerPoint: Int { 2 }
  public var accumulatesInPieces: Bool { true }
  /// A point's sums are over its own values (a field mean's point is one step's field), and
  /// the weights run along reduced dimensions only, which pieces do not cut.
  public var pointsAreIndependent: Bool { true }
  public var mergesByAdding: Bool { true }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    let rank = block.shape.count
    let last = rank - 1
    let rowLength = block.shape[last]
    // Output-point strides of the block's dimensions: row-major over the kept ones.
    var pointStride = [Int](repeating: 0, count: rank)
    var next = 1
    for d in stride(from: last, through: 0, by: -1) where !block.reduced[d] {
      pointStride[d] = next
      next *= block.shape[d]
    }
    // Weight strides of the block's dimensions (0 where the weights do not vary).
    var weightStride = [Int](repeating: 0, count: rank)
    var weightOrigin = 0
    for (k, axis) in axes.enumerated() {
      weightStride[axis] = strides[k]
      weightOrigin += block.start[axis] * strides[k]
    }
    let innerStride = pointStride[last]
    let weightStep = weightStride[last]
    let missing = block.missing.values
    let count = block.values.count
    // Calls `body(offset, point, weight)` for each row of the block: where its values start,
    // its first value's output point and its first value's weight index.
    func forEachRow(_ body: (Int, Int, Int) -> Void) {
      var index = [Int](repeating: 0, count: rank)
      var offset = 0
      while offset < count {
        var base = 0
        var weightBase = weightOrigin
        for d in 0..<last {
          base += index[d] * pointStride[d]
          weightBase += index[d] * weightStride[d]
        }
        body(offset, base, weightBase)
        offset += rowLength
        var d = last - 1
        while d >= 0 {
          index[d] += 1
          if index[d] < block.shape[d] { break }
          index[d] = 0
          d -= 1
        }
      }
    }
    partial.withFields { f in
      let weightSum = f[0]
      let weighted = f[1]
      func fold<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) {
        forEachRow { offset, base, weightBase in
          for i in 0..<rowLength {
            let x = Double(values[offset + i])
            if x.isNaN || missing.contains(x) { continue }
            let w = weights[weightBase + i * weightStep]
            let p = base + i * innerStride
            weightSum[p] += w
            weighted[p] += w * x
          }
        }
      }
      switch block.values {
      case .float32(let v) where innerStride == 0:
        // Each row goes to one output point (a field mean): sum the row in SIMD lanes and
        // add it once. Other rounding than the element loop, the same for any rank count.
        let (m0, m1) = block.missing.float32Pair
        weights.withUnsafeBufferPointer { w in
          forEachRow { offset, base, weightBase in
            let (weightTotal, total) = fastWeightedRowSums(
              v.baseAddress! + offset, rowLength, m0, m1, weights: w.baseAddress! + weightBase,
              step: weightStep)
            weightSum[base] += weightTotal
            weighted[base] += total
          }
        }
      case .float32(let v): fold(v)
      case .float64(let v): fold(v)
      }
    }
  }

  public func merge(_ right: Partial, into left: inout Partial) { left.add(right) }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    for p in 0..<n {
      let w = partial.storage[p]
      output[p] = w > 0 ? (mean ? partial.storage[n + p] / w : partial.storage[n + p]) : .nan
    }
  }
}

/// `weightedRowSums`, with AVX2 where the processor has it: the same operations in the
/// same order, so the same bits.
@inline(__always)
func fastWeightedRowSums(
  _ x: UnsafePointer<Float>, _ n: Int, _ m0: Float, _ m1: Float, weights: UnsafePointer<Double>,
  step: Int
) -> (Double, Double) {
  guard kernelsUseAVX2 else { return weightedRowSums(x, n, m0, m1, weights: weights, step: step) }
  var weightTotal = 0.0
  var total = 0.0
  floe_weighted_row_sums_avx2(x, n, m0, m1, weights, step, &weightTotal, &total)
  return (weightTotal, total)
}

/// The weights of a row's valid values and their weighted sum, four lanes at a time. The
/// weights run along the row (`step` 1) or are one for the whole row (`step` 0).
@inline(__always)
func weightedRowSums(
  _ x: UnsafePointer<Float>, _ n: Int, _ m0: Float, _ m1: Float, weights: UnsafePointer<Double>,
  step: Int
) -> (Double, Double) {
  var weightLanes = SIMD4<Double>()
  var sumLanes = SIMD4<Double>()
  // Compared in float64: widening a float32 is exact, NaN stays NaN.
  let missing0 = SIMD4<Double>(repeating: Double(m0))
  let missing1 = SIMD4<Double>(repeating: Double(m1))
  let zero = SIMD4<Double>()
  let rowWeight = SIMD4<Double>(repeating: weights[0])
  var i = 0
  while i + 4 <= n {
    let v = SIMD4<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self))
    let ok = (v .== v) .& (v .!= missing0) .& (v .!= missing1)
    let w =
      step == 0 ? rowWeight : UnsafeRawPointer(weights + i).loadUnaligned(as: SIMD4<Double>.self)
    let kept = zero.replacing(with: w, where: ok)
    weightLanes += kept
    sumLanes += kept * zero.replacing(with: v, where: ok)
    i += 4
  }
  var weightTotal = weightLanes.sum()
  var total = sumLanes.sum()
  while i < n {
    let v = x[i]
    if v == v && v != m0 && v != m1 {
      let w = weights[step * i]
      weightTotal += w
      total += w * Double(v)
    }
    i += 1
  }
  return (weightTotal, total)
}
