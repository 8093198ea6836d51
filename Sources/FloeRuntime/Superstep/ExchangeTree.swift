/// Who sends its superstep's partials to whom: a binomial tree within each host, then one
/// among the hosts' first workers. Workers are numbered in placement order (a host's
/// workers next to each other, `Placement.workerRanks`), so a host's nodes combine in
/// shared memory and exactly one message per host but the first crosses the network.
/// Any tree gives the same bits: a merge-tree node has one value whoever combines it.
public struct ExchangeTree: Sendable, Equatable {
  /// Runs of neighbouring workers on one host, in worker order.
  public let hosts: [Range<Int>]

  /// `hostOfWorker[w]`: worker w's host. Neighbouring workers with the same host form one
  /// group (a host whose workers are not neighbours forms several).
  public init(hostOfWorker: [String]) {
    var runs: [Range<Int>] = []
    var start = 0
    for w in 1...hostOfWorker.count
    where w == hostOfWorker.count || hostOfWorker[w] != hostOfWorker[start] {
      runs.append(start..<w)
      start = w
    }
    hosts = runs
  }

  /// All workers on one host.
  public init(workers: Int) { hosts = [0..<workers] }

  public var workers: Int { hosts.last?.upperBound ?? 0 }

  /// What worker `w` does in the exchange: receive from these workers, in this order
  /// (merging each), then send everything to `sendTo` (nil: worker 0, which keeps the result).
  public func steps(of w: Int) -> (receiveFrom: [Int], sendTo: Int?) {
    guard let g = hosts.firstIndex(where: { $0.contains(w) }) else {
      preconditionFailure("worker \(w) of \(workers)")
    }
    let group = hosts[g]
    var receives: [Int] = []
    // Within the host: worker `group.lowerBound + i` for i in 0 ..< count.
    if let parent = Self.binomial(
      group.lowerBound.distance(to: w), count: group.count,
      receive: { receives.append(group.lowerBound + $0) })
    {
      return (receives, group.lowerBound + parent)
    }
    // The host's first worker: among the hosts' first workers.
    let parent = Self.binomial(
      g, count: hosts.count, receive: { receives.append(hosts[$0].lowerBound) })
    return (receives, parent.map { hosts[$0].lowerBound })
  }

  /// Messages that cross from one host to another per exchange.
  public var messagesAcrossHosts: Int { Swift.max(0, hosts.count - 1) }

  /// Binomial tree over 0 ..< count: in round k, i with bit k set sends to i - 2^k, which
  /// first received from its children i + 2^j, j < k. Calls `receive` for each child in
  /// round order and returns the parent (nil for 0).
  private static func binomial(_ i: Int, count: Int, receive: (Int) -> Void) -> Int? {
    var step = 1
    while step < count {
      if i % (2 * step) == step { return i - step }
      if i + step < count { receive(i + step) }
      step *= 2
    }
    return nil
  }
}
