import FloeKernels
import FloeRuntime
import Foundation

/// An in-process world: ranks are threads, messages go through mailboxes. Runs the real
/// scheduler and worker code without MPI (NIO's EmbeddedEventLoop idea).
final class LocalWorld: @unchecked Sendable {
  let size: Int
  /// Each rank's host (default: all on one).
  let hosts: [String]
  private let condition = NSCondition()
  private var mailboxes: [String: [[UInt8]]] = [:]

  init(size: Int, hosts: [String]? = nil) {
    self.size = size
    self.hosts = hosts ?? [String](repeating: "local", count: size)
    precondition(self.hosts.count == size)
  }

  /// Where the ranks are, as a job is told.
  var placement: Placement { Placement(hosts: hosts) }

  func put(_ bytes: [UInt8], from: Int, to: Int, tag: Int) {
    condition.lock()
    mailboxes["\(from)>\(to)#\(tag)", default: []].append(bytes)
    condition.broadcast()
    condition.unlock()
  }

  func take(from: Int, to: Int, tag: Int) -> [UInt8] {
    let key = "\(from)>\(to)#\(tag)"
    condition.lock()
    defer { condition.unlock() }
    while mailboxes[key]?.isEmpty ?? true { condition.wait() }
    return mailboxes[key]!.removeFirst()
  }

  /// Runs `body` on every rank, each on its own thread, and returns each rank's result.
  func run<R>(_ body: @escaping @Sendable (LocalTransport) throws -> R) -> [Result<R, any Error>] {
    let results = ResultBox<R>(count: size)
    let group = DispatchGroup()
    for rank in 0..<size {
      group.enter()
      let thread = Thread { [self] in
        results.set(rank, Result { try body(LocalTransport(world: self, rank: rank)) })
        group.leave()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    group.wait()
    return results.values
  }
}

final class ResultBox<R>: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [Result<R, any Error>?]
  init(count: Int) { items = Array(repeating: nil, count: count) }
  func set(_ i: Int, _ r: Result<R, any Error>) { lock.lock(); items[i] = r; lock.unlock() }
  var values: [Result<R, any Error>] { items.map { $0! } }
}

struct LocalTransport: Transport {
  let world: LocalWorld
  let rank: Int
  var size: Int { world.size }
  var host: String { world.hosts[rank] }

  func scatter(_ orders: [Order]) throws -> Order {
    if rank == 0 {
      for (r, order) in orders.enumerated() { world.put(encode(order), from: 0, to: r, tag: -1) }
    }
    return decode(world.take(from: 0, to: rank, tag: -1))
  }

  func gather(_ report: WorkerReport) throws -> [WorkerReport] {
    world.put(report.wire, from: rank, to: 0, tag: -2)
    guard rank == 0 else { return [] }
    return (0..<size).map { WorkerReport(wire: world.take(from: $0, to: 0, tag: -2)[...]) }
  }

  func gatherText(_ text: String) throws -> [String] {
    world.put(Array(text.utf8), from: rank, to: 0, tag: -3)
    guard rank == 0 else { return [] }
    return (0..<size).map { String(decoding: world.take(from: $0, to: 0, tag: -3), as: UTF8.self) }
  }

  func send(_ bytes: [UInt8], to: Int, tag: Int) throws {
    world.put(bytes, from: rank, to: to, tag: tag)
  }
  func receive(from: Int, tag: Int, into buffer: inout [UInt8]) throws -> Int {
    let bytes = world.take(from: from, to: rank, tag: tag)
    if buffer.count < bytes.count { buffer = bytes } else { buffer[..<bytes.count] = bytes[...] }
    return bytes.count
  }
  func receive(from: Int, tag: Int, into buffer: inout [Double]) throws -> Int {
    let bytes = world.take(from: from, to: rank, tag: tag)
    let count = bytes.count / 8
    if buffer.count < count { buffer = [Double](repeating: 0, count: count) }
    buffer.withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
    return count
  }
  func send(each arrays: [[Double]], to: Int, tag: Int) throws {
    for values in arrays {
      world.put(values.withUnsafeBytes { Array($0) }, from: rank, to: to, tag: tag)
    }
  }
  func receive(counts: [Int], from: Int, tag: Int) throws -> [[Double]] {
    try counts.map { count in
      let bytes = world.take(from: from, to: rank, tag: tag)
      precondition(bytes.count == count * 8, "\(bytes.count) bytes, \(count) doubles expected")
      return [Double](unsafeUninitializedCapacity: count) {
        UnsafeMutableRawBufferPointer($0).copyBytes(from: bytes)
        $1 = count
      }
    }
  }

  private func encode(_ order: Order) -> [UInt8] { order.wire.withUnsafeBytes { Array($0) } }

  private func decode(_ bytes: [UInt8]) -> Order {
    let wire = bytes.withUnsafeBytes { raw in
      (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
    }
    return Order(wire: wire[...])
  }
}

/// Units from an array in memory.
struct ArraySource: UnitSource {
  let data: [Float]
  let shape: [Int]
  var readsFloat32: Bool { true }
  var decoding: CFDecoding { CFDecoding(missing: [Double(Float(1e20))]) }
  var dimensionNames: [String] { (0..<shape.count).map { "d\($0)" } }
  var description: String { "the test array" }
  var failOnUnit: [Int]? = nil

  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws {
    if let failOnUnit, start == failOnUnit { throw PlanError("checksum mismatch (simulated)") }
    let out = buffer.bindMemory(to: Float.self)
    forEachElement(of: shape, start: start, count: count) { k, linear in out[k] = data[linear] }
  }
}

/// Output captured in memory, in the output's row-major order.
final class MemorySink: ResultSink, @unchecked Sendable {
  let shape: [Int]
  var values: [Double]
  var committed = false
  init(shape: [Int]) {
    self.shape = shape
    values = [Double](repeating: .infinity, count: shape.reduce(1, *))
  }

  func write(start: [Int], count: [Int], values tile: [Double]) throws {
    forEachElement(of: shape, start: start, count: count) { k, linear in values[linear] = tile[k] }
  }

  func commit() throws { committed = true }
  func discard() {}
}

/// Calls `body(k, linear)` for the k-th element, in row-major order, of the block at `start`
/// of extent `count` in an array of `shape`, with its row-major index in the whole array.
func forEachElement(of shape: [Int], start: [Int], count: [Int], _ body: (Int, Int) -> Void) {
  var index = [Int](repeating: 0, count: shape.count)
  for k in 0..<count.reduce(1, *) {
    var linear = 0
    for d in 0..<shape.count { linear = linear * shape[d] + start[d] + index[d] }
    body(k, linear)
    var d = shape.count - 1
    while d >= 0 {
      index[d] += 1
      if index[d] < count[d] { break }
      index[d] = 0
      d -= 1
    }
  }
}
