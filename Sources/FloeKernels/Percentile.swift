/// Exact percentiles by linear interpolation between the closest ranks: numpy's default
/// (`method="linear"`). For sorted valid values v[0] ... v[n-1] and 0 <= q <= 100,
/// h = (n - 1) q / 100 and the result is v[floor h] + (h - floor h)(v[floor h + 1] - v[floor h]).
/// The median is q = 50. No valid value gives NaN.
public enum Percentile {
  /// The q-th percentile of `values`, ignoring NaN; reorders `values`. Finds the two order
  /// statistics by selection (linear time on average), not by sorting the series.
  public static func of(_ values: inout [Double], q: Double) -> Double {
    values.removeAll { $0.isNaN }
    guard !values.isEmpty else { return .nan }
    let h = Double(values.count - 1) * q / 100
    let low = Int(h.rounded(.down))
    let high = Swift.min(low + 1, values.count - 1)
    select(&values, low)
    // Everything after `low` is at least values[low]: the next order statistic is its minimum.
    let next = high > low ? values[high...].min()! : values[low]
    return values[low] + (h - Double(low)) * (next - values[low])
  }

  /// Puts the k-th smallest value at index k, smaller-or-equal ones before it and
  /// greater-or-equal ones after it (Hoare's selection, median-of-three pivots).
  static func select(_ values: inout [Double], _ k: Int) {
    values.withUnsafeMutableBufferPointer { b in
      var lo = 0
      var hi = b.count - 1
      while hi > lo {
        let mid = lo + (hi - lo) / 2
        let (x, y, z) = (b[lo], b[mid], b[hi])
        let pivot = Swift.max(Swift.min(x, y), Swift.min(Swift.max(x, y), z))
        var i = lo
        var j = hi
        while i <= j {
          while b[i] < pivot { i += 1 }
          while b[j] > pivot { j -= 1 }
          if i <= j {
            b.swapAt(i, j)
            i += 1
            j -= 1
          }
        }
        if k <= j {
          hi = j
        } else if k >= i {
          lo = i
        } else {
          return
        }
      }
    }
  }
}
