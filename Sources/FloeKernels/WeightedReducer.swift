/// A weighted mean or sum: each value counts with the weight of its index along one axis
/// (cos(latitude) along the latitude axis for an area-weighted field mean). Fields: sum of
/// weights of valid values (0) and sum of weight x value (1). Weights of missing values do
/// not count: the mean is over the valid points only.
public struct WeightedSumReducer: Reducer {
  public let weights: [Double]
  /// The variable's dimension the weights run along.
  public let axis: Int
  public let mean: Bool

  public init(weights: [Double], axis: Int, mean: Bool) {
    self.weights = weights
    self.axis = axis
    self.mean = mean
  }

  public var name: String { mean ? "mean" : "sum" }
  public var fieldsPerPoint: Int { 2 }

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
    let innerStride = pointStride[last]
    let weightsAlongRow = axis == last
    let firstWeight = block.start[axis]
    let missing = block.missing.values
    partial.withFields { f in
      let weightSum = f[0]
      let weighted = f[1]
      func fold<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) {
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        while offset < values.count {
          var base = 0
          for d in 0..<last { base += index[d] * pointStride[d] }
          let rowWeight = weightsAlongRow ? 0 : weights[firstWeight + index[axis]]
          for i in 0..<rowLength {
            let x = Double(values[offset + i])
            if x.isNaN || missing.contains(x) { continue }
            let w = weightsAlongRow ? weights[firstWeight + i] : rowWeight
            let p = base + i * innerStride
            weightSum[p] += w
            weighted[p] += w * x
          }
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
      switch block.values {
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
