/// Exact percentiles by linear interpolation between the closest ranks: numpy's default
/// (`method="linear"`). For sorted valid values v[0] ... v[n-1] and 0 <= q <= 100,
/// h = (n - 1) q / 100 and the result is v[floor h] + (h - floor h)(v[floor h + 1] - v[floor h]).
/// The median is q = 50. No valid value gives NaN.
public enum Percentile {
  /// The q-th percentile of `values`, ignoring NaN; sorts `values` in place.
  public static func of(_ values: inout [Double], q: Double) -> Double {
    values.removeAll { $0.isNaN }
    guard !values.isEmpty else { return .nan }
    values.sort()
    let h = Double(values.count - 1) * q / 100
    let low = Int(h.rounded(.down))
    let high = Swift.min(low + 1, values.count - 1)
    return values[low] + (h - Double(low)) * (values[high] - values[low])
  }
}
