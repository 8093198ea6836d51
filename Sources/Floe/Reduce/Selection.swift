/// `--isel DIM=I:J` (indices, J excluded, as Python slices) and `--sel DIM=FROM:TO`
/// (coordinate values, both included, as xarray's `sel` with a slice; dates for time).
public struct Selection: Sendable, Equatable {
  public enum Bounds: Sendable, Equatable {
    case index(Int?, Int?)
    case value(String?, String?)
  }

  public var dimension: String
  public var bounds: Bounds

  public init(dimension: String, bounds: Bounds) {
    self.dimension = dimension
    self.bounds = bounds
  }

  /// Parses `DIM=I:J`; either side may be empty.
  public init?(isel text: String) {
    guard let (name, from, to) = Self.split(text) else { return nil }
    let i = from.isEmpty ? nil : Int(from)
    let j = to.isEmpty ? nil : Int(to)
    if (!from.isEmpty && i == nil) || (!to.isEmpty && j == nil) { return nil }
    self.init(dimension: name, bounds: .index(i, j))
  }

  /// Parses `DIM=FROM:TO`; either side may be empty. Values that contain colons (times of
  /// day) are written `DIM=FROM..TO`.
  public init?(sel text: String) {
    guard let (name, from, to) = Self.split(text) else { return nil }
    self.init(dimension: name, bounds: .value(from.isEmpty ? nil : from, to.isEmpty ? nil : to))
  }

  /// `NAME=FROM..TO`, else `NAME=FROM:TO` with exactly one colon.
  private static func split(_ text: String) -> (String, String, String)? {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
    let name = String(text[..<equals])
    let range = String(text[text.index(after: equals)...])
    if let dots = range.range(of: "..") {
      return (name, String(range[..<dots.lowerBound]), String(range[dots.upperBound...]))
    }
    let parts = range.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return nil }
    return (name, String(parts[0]), String(parts[1]))
  }
}
