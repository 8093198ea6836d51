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
  /// Messages and bytes this worker sent to other workers in the exchange: to workers on its
  /// own host (shared memory) and on other hosts (the network).
  public var messagesWithinHost = 0
  public var bytesSentWithinHost = 0
  public var messagesAcrossHosts = 0
  public var bytesSentAcrossHosts = 0
  /// nil: all went well.
  public var error: String?

  public init() {}

  /// Bytes on the wire: fourteen numbers. An error's text does not travel with the report: the
  /// flag does, and rank 0 then asks for the texts (`Order.explain`), so that the gather of
  /// every superstep stays 112 bytes per worker however long a message can be.
  public static let wireSize = numbers * 8
  static let numbers = 14

  public var wire: [UInt8] {
    let values: [Double] = [
      error == nil ? 0 : 1, Double(units), Double(bytesRead), readSeconds, computeSeconds,
      exchangeSeconds, waitSeconds, Double(peakRSSBytes), cpuSeconds, startupSeconds,
      Double(messagesWithinHost), Double(bytesSentWithinHost), Double(messagesAcrossHosts),
      Double(bytesSentAcrossHosts),
    ]
    return values.withUnsafeBytes { Array($0) }
  }

  /// A report from the wire; a failed worker's `error` is empty until its text arrives.
  public init(wire: ArraySlice<UInt8>) {
    var values = [Double](repeating: 0, count: Self.numbers)
    values.withUnsafeMutableBytes { $0.copyBytes(from: wire.prefix(Self.wireSize)) }
    units = Int(values[1])
    bytesRead = Int(values[2])
    readSeconds = values[3]
    computeSeconds = values[4]
    exchangeSeconds = values[5]
    waitSeconds = values[6]
    peakRSSBytes = Int(values[7])
    cpuSeconds = values[8]
    startupSeconds = values[9]
    messagesWithinHost = Int(values[10])
    bytesSentWithinHost = Int(values[11])
    messagesAcrossHosts = Int(values[12])
    bytesSentAcrossHosts = Int(values[13])
    error = values[0] != 0 ? "" : nil
  }
}
