/// What a worker tells rank 0 after each superstep: a fixed-size record on the wire, so
/// one gather collects every rank's.
public struct WorkerReport: Equatable, Sendable {
  public var units = 0
  public var bytesRead = 0
  public var readSeconds = 0.0
  public var computeSeconds = 0.0
  public var exchangeSeconds = 0.0
  public var waitSeconds = 0.0
  /// Peak resident memory of the process so far.
  public var peakRSSBytes = 0
  public var cpuSeconds = 0.0
  /// Seconds from the process's start to its first unit read (0: not in this superstep).
  public var startupSeconds = 0.0
  /// nil: all went well.
  public var error: String?

  public init() {}

  /// Bytes on the wire; longer error texts are cut to fit.
  public static let wireSize = 4096
  static let numbers = 10

  public var wire: [UInt8] {
    var out = [UInt8](repeating: 0, count: Self.wireSize)
    let values: [Double] = [
      error == nil ? 0 : 1, Double(units), Double(bytesRead), readSeconds, computeSeconds,
      exchangeSeconds, waitSeconds, Double(peakRSSBytes), cpuSeconds, startupSeconds,
    ]
    values.withUnsafeBytes { raw in for i in 0..<raw.count { out[i] = raw[i] } }
    let text = Array((error ?? "").utf8.prefix(Self.wireSize - Self.numbers * 8 - 8))
    var length = Int64(text.count).littleEndian
    withUnsafeBytes(of: &length) { raw in for i in 0..<8 { out[Self.numbers * 8 + i] = raw[i] } }
    for (i, b) in text.enumerated() { out[Self.numbers * 8 + 8 + i] = b }
    return out
  }

  public init(wire: ArraySlice<UInt8>) {
    let bytes = Array(wire)
    var values = [Double](repeating: 0, count: Self.numbers)
    values.withUnsafeMutableBytes { $0.copyBytes(from: bytes[0..<(Self.numbers * 8)]) }
    var length: Int64 = 0
    withUnsafeMutableBytes(of: &length) {
      $0.copyBytes(from: bytes[(Self.numbers * 8)..<(Self.numbers * 8 + 8)])
    }
    let start = Self.numbers * 8 + 8
    units = Int(values[1])
    bytesRead = Int(values[2])
    readSeconds = values[3]
    computeSeconds = values[4]
    exchangeSeconds = values[5]
    waitSeconds = values[6]
    peakRSSBytes = Int(values[7])
    cpuSeconds = values[8]
    startupSeconds = values[9]
    error =
      values[0] != 0 ? String(decoding: bytes[start..<(start + Int(length))], as: UTF8.self) : nil
  }
}
