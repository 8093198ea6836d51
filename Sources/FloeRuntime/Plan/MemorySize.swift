/// A number of bytes as users write it: `512MiB`, `2GiB`, `1.5G`, `800M`, `4096`.
/// Decimal suffixes (K, M, G, T, KB, MB, ...) are powers of 1000; binary ones (KiB, MiB,
/// GiB, TiB) are powers of 1024.
public struct MemorySize: Sendable, Equatable, CustomStringConvertible {
  public var bytes: Int
  public init(bytes: Int) { self.bytes = bytes }

  public init?(_ text: String) {
    let trimmed = text.trimmingSpaces
    guard
      let split = trimmed.firstIndex(where: { !$0.isNumber && $0 != "." })
        ?? Optional(trimmed.endIndex),
      let number = Double(trimmed[..<split]), number >= 0
    else { return nil }
    let multipliers: [String: Double] = [
      "": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9, "T": 1e12,
      "TB": 1e12,
      "KIB": 1024, "MIB": 1_048_576, "GIB": 1_073_741_824, "TIB": 1_099_511_627_776,
    ]
    guard let multiplier = multipliers[trimmed[split...].uppercased()] else { return nil }
    let value = number * multiplier
    guard value < Double(Int.max) else { return nil }
    bytes = Int(value)
  }

  /// Binary units with one decimal: "1.5 GiB".
  public var description: String { MemorySize.format(bytes) }

  /// `roundingUp`: never less than `n` (for "give at least ...").
  public static func format(_ n: Int, roundingUp: Bool = false) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    if unit == 0 { return "\(n) B" }
    let tenths = Int((value * 10).rounded(roundingUp ? .up : .toNearestOrAwayFromZero))
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }
}

extension String {
  var trimmingSpaces: String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
