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
  /// The q-th percentile of `values`, ignoring NaN; reorders `values`. Finds the two order
  /// statistics by selection (linear time on average), not by sorting the series. float32
  /// values are selected as float32 (half the memory traffic) and interpolated in float64:
  /// the same result as widening them first, since widening is exact.
  @inlinable
  public static func of<T: BinaryFloatingPoint>(_ values: inout [T], q: Double) -> Double {
    values.removeAll { $0.isNaN }
    guard !values.isEmpty else { return .nan }
    let h = Double(values.count - 1) * q / 100
    let low = Int(h.rounded(.down))
    let high = Swift.min(low + 1, values.count - 1)
    select(&values, low)
    // Everything after `low` is at least values[low]: the next order statistic is its minimum.
    let next = Double(high > low ? values[high...].min()! : values[low])
    let lowValue = Double(values[low])
    return lowValue + (h - Double(low)) * (next - lowValue)
  }

  /// Puts the k-th smallest value at index k, smaller-or-equal ones before it and
  /// greater-or-equal ones after it: Floyd and Rivest's selection, which first narrows the
  /// range to a small sample's pivots around k (about n + min(k, n - k) comparisons, where
  /// Hoare's with median-of-three takes about 3n for the percentiles climate users ask).
  @inlinable
  static func select<T: BinaryFloatingPoint>(_ values: inout [T], _ k: Int) {
    values.withUnsafeMutableBufferPointer { b in select(b, 0, b.count - 1, k) }
  }

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
