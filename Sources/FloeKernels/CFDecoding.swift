/// How stored values become physical values under the CF conventions: which are missing
/// (`_FillValue`, `missing_value`, outside `valid_min` / `valid_max` / `valid_range`, NaN),
/// and how packed integers unpack (`scale_factor`, `add_offset`). The comparisons happen on
/// the stored (packed) values, as CF specifies; unpacking comes after.
public struct CFDecoding: Sendable, Equatable, Codable {
  /// Missing values in the stored type, widened to Double.
  public var missing: [Double]
  public var validMin: Double?
  public var validMax: Double?
  public var scale: Double?
  public var offset: Double?

  public init(
    missing: [Double] = [], validMin: Double? = nil, validMax: Double? = nil, scale: Double? = nil,
    offset: Double? = nil
  ) {
    self.missing = missing
    self.validMin = validMin
    self.validMax = validMax
    self.scale = scale
    self.offset = offset
  }

  /// Whether the values need unpacking (and so must be read as float64).
  public var isPacked: Bool { scale != nil || offset != nil }

  /// Whether the kernels' own missing-value test is all the decoding needed.
  public var needsPass: Bool { isPacked || validMin != nil || validMax != nil }

  /// The missing values the kernels still compare against after `decode` (none: `decode`
  /// has turned them into NaN).
  public var kernelMissing: MissingValues { needsPass ? MissingValues() : MissingValues(missing) }

  /// Replaces missing and out-of-range values by NaN and unpacks the rest, in place.
  public func decode(_ values: UnsafeMutableBufferPointer<Double>) {
    let low = validMin ?? -.infinity
    let high = validMax ?? .infinity
    let scale = self.scale ?? 1
    let offset = self.offset ?? 0
    let missing = self.missing
    for i in 0..<values.count {
      let x = values[i]
      let valid = x >= low && x <= high && !missing.contains(x)
      values[i] = valid ? x * scale + offset : .nan
    }
  }

  /// The same for float32 values, which are never packed here (packed data is read as
  /// float64); comparisons happen in float32, the stored type.
  public func decode(_ values: UnsafeMutableBufferPointer<Float>) {
    precondition(!isPacked, "packed data is read as float64")
    let low = validMin.map(Float.init) ?? -.infinity
    let high = validMax.map(Float.init) ?? .infinity
    let missing = self.missing.map(Float.init)
    if missing.count <= 2 {
      // The usual case (a _FillValue, perhaps a missing_value): two comparisons the
      // compiler turns into SIMD, instead of a search of the list per value.
      let m0 = missing.first ?? .nan
      let m1 = missing.last ?? .nan
      for i in 0..<values.count {
        let x = values[i]
        let valid = x >= low && x <= high && x != m0 && x != m1
        values[i] = valid ? x : .nan
      }
      return
    }
    for i in 0..<values.count {
      let x = values[i]
      values[i] = x >= low && x <= high && !missing.contains(x) ? x : .nan
    }
  }
}
