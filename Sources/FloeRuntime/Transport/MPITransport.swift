public import FloeMPI

/// The transport of a real job: MPI on a communicator. Rank 0's waits sleep, so that it
/// leaves its core to a worker; a worker's waits sleep too (an oversubscribed node has
/// more ranks than cores), with a short ceiling so that it reacts fast.
public struct MPITransport: Transport {
  public let communicator: Communicator
  public let host: String

  public init(_ communicator: Communicator) {
    self.communicator = communicator
    host = MPI.processorName
  }

  public var rank: Int { communicator.rank }
  public var size: Int { communicator.size }

  private var waiting: Waiting {
    rank == 0 ? .sleeping(maxMicroseconds: 2000) : .sleeping(maxMicroseconds: 200)
  }

  public func scatter(_ orders: [Order]) throws -> Order {
    let wire = rank == 0 ? orders.flatMap(\.wire) : []
    return Order(wire: try communicator.scatter(wire, count: 3, root: 0, waiting)[...])
  }

  public func gather(_ report: WorkerReport) throws -> [WorkerReport] {
    let all = try communicator.gather(report.wire, root: 0, waiting)
    let n = WorkerReport.wireSize
    return stride(from: 0, to: all.count, by: n).map { WorkerReport(wire: all[$0..<($0 + n)]) }
  }

  /// Only after a failure: waits without sleeping.
  public func gatherText(_ text: String) throws -> [String] {
    let (bytes, counts) = try communicator.gatherv(Array(text.utf8), root: 0)
    var texts: [String] = []
    var start = 0
    for count in counts {
      texts.append(String(decoding: bytes[start..<(start + count)], as: UTF8.self))
      start += count
    }
    return texts
  }

  public func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws {
    try communicator.send(bytes, to: rank, tag: tag, waiting)
  }

  public func receive(from rank: Int, tag: Int, into buffer: inout [UInt8]) throws -> Int {
    try communicator.receive(from: rank, tag: tag, into: &buffer, waiting)
  }

  public func receive(from rank: Int, tag: Int, into buffer: inout [Double]) throws -> Int {
    try communicator.receive(from: rank, tag: tag, into: &buffer, waiting)
  }

  public func send(each arrays: [[Double]], to rank: Int, tag: Int) throws {
    try communicator.send(each: arrays, to: rank, tag: tag, waiting)
  }

  public func receive(counts: [Int], from rank: Int, tag: Int) throws -> [[Double]] {
    try communicator.receive(Double.self, counts: counts, from: rank, tag: tag, waiting)
  }
}
