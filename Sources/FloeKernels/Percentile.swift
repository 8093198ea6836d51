import CFloeKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Exact percentiles by linear interpolation between the closest ranks: numpy's default
/// (`method="linear"`). For sorted valid values v[0] ... v[n-1] and 0 <= q <= 100,
/// h = (n - 1) q / 100 and the result is v[floor h] + (h - floor h)(v[floor h + 1] - v[floor h]).
/// The median is q = 50. No valid value gives NaN.
public enum Percentile {
  /// The q-th percentile of `values`, ignoring NaN.
  @inlinable
  public static func of<T: BinaryFloatingPoint>(_ values: [T], q: Double) -> Double {
    var scratch: [T] = []
    return values.withUnsafeBufferPointer { of($0, q: q, scratch: &scratch) }
  }

  /// The q-th percentile of `series`, ignoring NaN; `series` is left as it is, `scratch`
  /// (grown to the series' length when shorter) is overwritten. Finds the two order
  /// statistics by selection (linear time on average), not by sorting the series. float32
  /// values are selected as float32 (half the memory traffic) and interpolated in float64:
  /// the same result as widening them first, since widening is exact.
  @inlinable
  public static func of<T: BinaryFloatingPoint>(
    _ series: UnsafeBufferPointer<T>, q: Double, scratch: inout [T]
  ) -> Double {
    if scratch.count < series.count {
      scratch = [T](repeating: 0, count: series.count)
    }
    return scratch.withUnsafeMutableBufferPointer { out in
      if series.count >= 1_000, let found = narrowed(series, q: q, into: out) { return found }
      // Every valid value copied out (all lie between -inf and inf; NaN does not), then
      // selected among.
      let valid = split(series, lo: -T.infinity, hi: T.infinity, into: out).between
      return selected(UnsafeMutableBufferPointer(rebasing: out[0..<valid]), q: q)
    }
  }

  /// The q-th percentile of `valid` (no NaN), which it reorders.
  @inlinable
  static func selected<T: BinaryFloatingPoint>(_ valid: UnsafeMutableBufferPointer<T>, q: Double)
    -> Double
  {
    guard !valid.isEmpty else { return .nan }
    let h = Double(valid.count - 1) * q / 100
    let low = Int(h.rounded(.down))
    return interpolated(valid, h: h, low: low, at: low)
  }

  /// Linear interpolation at `h` between order statistics `low` and `low` + 1 of the valid
  /// values, the first found at index `k` of `part`, which holds the valid values from
  /// order statistic `low` - `k` up to at least the next: selects `k` in `part`.
  @inlinable
  static func interpolated<T: BinaryFloatingPoint>(
    _ part: UnsafeMutableBufferPointer<T>, h: Double, low: Int, at k: Int
  ) -> Double {
    select(part, 0, part.count - 1, k)
    // Everything after k is at least part[k]: the next order statistic is its minimum (or
    // part[k] again when `low` is the last).
    let next = Double(k + 1 < part.count ? part[(k + 1)...].min()! : part[k])
    let lowValue = Double(part[k])
    return lowValue + (h - Double(low)) * (next - lowValue)
  }

  /// The percentile from only the values between two pivots that a sample of the series
  /// puts around it: one pass counts the NaNs and the values below the pivots and copies
  /// out those between, and the selection runs on those alone (a few hundred of 6,000 for
  /// p95: the whole series' selection was half of a percentile job's compute). nil, and
  /// nothing to undo, where the sample misled (the order statistics fell outside).
  @inlinable
  static func narrowed<T: BinaryFloatingPoint>(
    _ series: UnsafeBufferPointer<T>, q: Double, into out: UnsafeMutableBufferPointer<T>
  ) -> Double? {
    let n = series.count
    let sampleSize = 128
    return withUnsafeTemporaryAllocation(of: T.self, capacity: sampleSize) { sample in
      // Spread over the whole series, so that a season or a trend is sampled in proportion.
      var taken = 0
      for i in 0..<sampleSize {
        let v = series[i * n / sampleSize]
        sample[taken] = v
        taken &+= v.isNaN ? 0 : 1
      }
      guard taken >= 32 else { return nil }
      // The pivots: the sample's values three standard deviations of its rank either side
      // of q's (two selections in the sample, cheaper than sorting it).
      let values = UnsafeMutableBufferPointer(rebasing: sample[0..<taken])
      let p = q / 100
      let rank = Int((p * Double(taken - 1)).rounded())
      let margin = Int(3 * (Double(taken) * p * (1 - p)).squareRoot()) + 2
      var lo = -T.infinity
      if rank - margin >= 0 {
        select(values, 0, taken - 1, rank - margin)
        lo = values[rank - margin]
      }
      var hi = T.infinity
      if rank + margin < taken {
        select(values, Swift.max(0, rank - margin), taken - 1, rank + margin)
        hi = values[rank + margin]
      }
      let (between, below, missing) = split(series, lo: lo, hi: hi, into: out)
      let valid = n - missing
      let h = Double(valid - 1) * q / 100
      let low = Int(h.rounded(.down))
      let high = Swift.min(low + 1, valid - 1)
      guard below <= low, high < below + between else { return nil }
      return interpolated(
        UnsafeMutableBufferPointer(rebasing: out[0..<between]), h: h, low: low, at: low - below)
    }
  }

  /// Copies the values of `series` between `lo` and `hi` (inclusive) to the start of `out`,
  /// in order: how many, how many are below `lo`, and how many are NaN (neither).
  @inlinable
  static func split<T: BinaryFloatingPoint>(
    _ series: UnsafeBufferPointer<T>, lo: T, hi: T, into out: UnsafeMutableBufferPointer<T>
  ) -> (between: Int, below: Int, missing: Int) {
    if T.self == Float.self,
      let found = splitFloat32(
        UnsafeRawPointer(series.baseAddress!), count: series.count,
        lo: unsafeBitCast(lo, to: Float.self), hi: unsafeBitCast(hi, to: Float.self),
        into: UnsafeMutableRawPointer(out.baseAddress!))
    {
      return found
    }
    var between = 0
    var below = 0
    var missing = 0
    for v in series {
      out[between] = v
      // NaN is neither below nor between.
      between &+= (v >= lo ? 1 : 0) & (v <= hi ? 1 : 0)
      below &+= v < lo ? 1 : 0
      missing &+= v.isNaN ? 1 : 0
    }
    return (between, below, missing)
  }

  /// `split` of float32 values with AVX2 (`floe_split_f32_avx2`: eight at a time, the kept
  /// ones packed by a permutation); nil where the processor has none.
  @usableFromInline
  static func splitFloat32(
    _ series: UnsafeRawPointer, count: Int, lo: Float, hi: Float, into out: UnsafeMutableRawPointer
  ) -> (between: Int, below: Int, missing: Int)? {
    guard kernelsUseAVX2 else { return nil }
    var below = 0
    var missing = 0
    let between = floe_split_f32_avx2(
      series.assumingMemoryBound(to: Float.self), count, lo, hi,
      out.assumingMemoryBound(to: Float.self), &below, &missing)
    return (between, below, missing)
  }

  /// The series of points `first ..< first + count` of `series`, time-major (`points`
  /// values per step), point-major into `to`: to[j * steps + t] = series[t * points + first + j].
  /// In tiles of 16 steps, the next tile's rows fetched ahead (`floe_gather_series`).
  public static func gatherSeries<T: BinaryFloatingPoint>(
    _ series: UnsafeBufferPointer<T>, points: Int, first: Int, count: Int,
    into to: UnsafeMutableBufferPointer<T>
  ) {
    let size = MemoryLayout<T>.size
    let steps = series.count / points
    precondition(size == 4 || size == 8, "values of \(size) bytes")
    precondition(first >= 0 && first + count <= points && to.count >= count * steps)
    guard count > 0, steps > 0 else { return }
    floe_gather_series(series.baseAddress!, size, points, steps, first, count, to.baseAddress!)
  }

  /// Puts the k-th smallest value at index k, smaller-or-equal ones before it and
  /// greater-or-equal ones after it: Floyd and Rivest's selection, which first narrows the
  /// range to a small sample's pivots around k (about n + min(k, n - k) comparisons, where
  /// Hoare's with median-of-three takes about 3n for the percentiles climate users ask).
  @inlinable
  static func select<T: BinaryFloatingPoint>(
    _ b: UnsafeMutableBufferPointer<T>, _ left: Int, _ right: Int, _ k: Int
  ) {
    var left = left
    var right = right
    while right > left {
      if right - left > 600 {
        // Recurse on a sample-sized range around k, so that b[k] is a good pivot.
        let n = Double(right - left + 1)
        let i = Double(k - left + 1)
        let z = log(n)
        let s = 0.5 * exp(2 * z / 3)
        let sd = 0.5 * (z * s * (n - s) / n).squareRoot() * (i - n / 2 < 0 ? -1 : 1)
        let newLeft = Swift.max(left, Int((Double(k) - i * s / n + sd).rounded(.down)))
        let newRight = Swift.min(right, Int((Double(k) + (n - i) * s / n + sd).rounded(.down)))
        select(b, newLeft, newRight, k)
      }
      // Partition around t = b[k].
      let t = b[k]
      var i = left
      var j = right
      b.swapAt(left, k)
      if b[right] > t { b.swapAt(right, left) }
      while i < j {
        b.swapAt(i, j)
        i += 1
        j -= 1
        while b[i] < t { i += 1 }
        while b[j] > t { j -= 1 }
      }
      if b[left] == t {
        b.swapAt(left, j)
      } else {
        j += 1
        b.swapAt(j, right)
      }
      if j <= k { left = j + 1 }
      if k <= j { right = j - 1 }
    }
  }
}
