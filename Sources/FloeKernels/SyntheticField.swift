/// The values of `floe gen`'s synthetic near-surface air temperature: a latitude gradient,
/// a seasonal cycle of opposite sign in each hemisphere, a small zonal wave and noise.
/// Every value depends only on its global index and the seed, so the bytes are the same
/// for any number of ranks writing them.
public struct SyntheticField: Sendable {
  public let times: Int, latitudes: Int, longitudes: Int
  public let seed: UInt64
  /// Fraction 0...1 of points that are missing (written as the fill value).
  public let fillFraction: Double
  public let fillValue: Float

  public init(
    times: Int, latitudes: Int, longitudes: Int, seed: UInt64, fillFraction: Double,
    fillValue: Float = 1e20
  ) {
    self.times = times
    self.latitudes = latitudes
    self.longitudes = longitudes
    self.seed = seed
    self.fillFraction = fillFraction
    self.fillValue = fillValue
  }

  /// Latitude of row j in degrees north: -90 to 90 inclusive.
  public func latitude(_ j: Int) -> Double {
    latitudes == 1 ? 0 : -90 + 180 * Double(j) / Double(latitudes - 1)
  }

  /// Longitude of column i in degrees east: 0 up to (not including) 360.
  public func longitude(_ i: Int) -> Double { 360 * Double(i) / Double(longitudes) }

  /// Time of step t in days since 2000-01-01 (daily data).
  public func time(_ t: Int) -> Double { Double(t) }

  /// Fills `out` with steps `t0 ..< t0 + steps`, all latitudes and longitudes, row-major.
  public func fill(_ out: UnsafeMutableBufferPointer<Float>, firstTime t0: Int, steps: Int) {
    precondition(out.count == steps * latitudes * longitudes)
    let zonal = (0..<longitudes).map { 2 * cosDegrees(2 * longitude($0)) }
    let threshold = UInt64(fillFraction * 65536)
    var k = 0
    for t in t0..<(t0 + steps) {
      let phase = 2 * Double.pi * (time(t) - 15) / 365.25
      for j in 0..<latitudes {
        let s = sinDegrees(latitude(j))
        let rowBase = 300 - 50 * s * s - 15 * s * cosRadians(phase)
        var index = UInt64((t * latitudes + j) * longitudes)
        for i in 0..<longitudes {
          let h = mix(seed &+ index &* 0x9E37_79B9_7F4A_7C15)
          index &+= 1
          if h & 0xFFFF < threshold {
            out[k] = fillValue
          } else {
            let u1 = Double(h >> 40) / 16_777_216
            let u2 = Double((h >> 16) & 0xFF_FFFF) / 16_777_216
            out[k] = Float(rowBase + zonal[i] + 3 * (u1 + u2 - 1))
          }
          k += 1
        }
      }
    }
  }

  /// SplitMix64's finaliser: a well-mixed 64-bit hash of a counter.
  @inline(__always) private func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

// Trigonometry from the C library, without Foundation.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@inline(__always) func sinDegrees(_ d: Double) -> Double { sin(d * .pi / 180) }
@inline(__always) func cosDegrees(_ d: Double) -> Double { cos(d * .pi / 180) }
@inline(__always) func cosRadians(_ r: Double) -> Double { cos(r) }
