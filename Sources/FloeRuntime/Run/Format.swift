/// Numbers as Floe prints them, without Foundation.
public enum Format {
  /// `x` with `digits` decimals: `decimal(2.5, 3)` is "2.500".
  public static func decimal(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((abs(x) * scale).rounded())
    let whole = n / Int(scale)
    let frac = String(n % Int(scale))
    let sign = x < 0 && n > 0 ? "-" : ""
    return sign + "\(whole)"
      + (digits > 0 ? "." + String(repeating: "0", count: digits - frac.count) + frac : "")
  }

  /// Bytes in binary units with one decimal: "1.5 GiB".
  public static func bytes(_ n: Int) -> String { MemorySize.format(n) }
}
