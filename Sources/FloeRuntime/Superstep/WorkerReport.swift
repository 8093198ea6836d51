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
  /// Units reduced straight from the file's pages, without a copy (`UnitSource.mapped`).
  public var unitsMapped = 0
  /// What this worker sent to other workers in the exchange.
  public var sent = Sent()
  /// nil: all went well.
  public var error: String?

  public init() {}

  /// Bytes on the wire: fifteen numbers. An error's text does not travel with the report: the
  /// flag does, and rank 0 then asks for the texts (`Order.explain`), so that the gather of
  /// every superstep stays 120 bytes per worker however long a message can be.
  public static let wireSize = numbers * 8
  static let numbers = 15

  public var wire: [UInt8] {
    let values: [Double] = [
      error == nil ? 0 : 1, Double(units), Double(bytesRead), readSeconds, computeSeconds,
      exchangeSeconds, waitSeconds, Double(peakRSSBytes), cpuSeconds, startupSeconds,
      Double(sent.messagesWithinHost), Double(sent.bytesWithinHost),
      Double(sent.messagesAcrossHosts), Double(sent.bytesAcrossHosts), Double(unitsMapped),
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
    sent = Sent(
      messagesWithinHost: Int(values[10]), bytesWithinHost: Int(values[11]),
      messagesAcrossHosts: Int(values[12]), bytesAcrossHosts: Int(values[13]))
    unitsMapped = Int(values[14])
    error = values[0] != 0 ? "" : nil
  }
}

extension WorkerReport {
  /// Messages and bytes sent to workers on the sender's own host (shared memory) and on
  /// other hosts (the network).
  public struct Sent: Equatable, Sendable {
    public var messagesWithinHost = 0
    public var bytesWithinHost = 0
    public var messagesAcrossHosts = 0
    public var bytesAcrossHosts = 0

    public init(
      messagesWithinHost: Int = 0, bytesWithinHost: Int = 0, messagesAcrossHosts: Int = 0,
      bytesAcrossHosts: Int = 0
    ) {
      self.messagesWithinHost = messagesWithinHost
      self.bytesWithinHost = bytesWithinHost
      self.messagesAcrossHosts = messagesAcrossHosts
      self.bytesAcrossHosts = bytesAcrossHosts
    }

    /// One message of `bytes`, to a worker on this host or on another.
    public mutating func count(_ bytes: Int, withinHost: Bool) {
      if withinHost {
        messagesWithinHost += 1
        bytesWithinHost += bytes
      } else {
        messagesAcrossHosts += 1
        bytesAcrossHosts += bytes
      }
    }

    public static func + (a: Sent, b: Sent) -> Sent {
      Sent(
        messagesWithinHost: a.messagesWithinHost + b.messagesWithinHost,
        bytesWithinHost: a.bytesWithinHost + b.bytesWithinHost,
        messagesAcrossHosts: a.messagesAcrossHosts + b.messagesAcrossHosts,
        bytesAcrossHosts: a.bytesAcrossHosts + b.bytesAcrossHosts)
    }

    /// What was sent between two cumulative counts.
    public static func - (a: Sent, b: Sent) -> Sent {
      Sent(
        messagesWithinHost: a.messagesWithinHost - b.messagesWithinHost,
        bytesWithinHost: a.bytesWithinHost - b.bytesWithinHost,
        messagesAcrossHosts: a.messagesAcrossHosts - b.messagesAcrossHosts,
        bytesAcrossHosts: a.bytesAcrossHosts - b.bytesAcrossHosts)
    }
  }
}
