/// Which host each rank runs on (gathered once at the start of a job), for the plan, the
/// memory budget, the order of the workers and the run summary: ranks on different hosts
/// exchange over the network, not shared memory.
public struct Placement: Sendable, Equatable, Codable {
  /// The host of each rank, by rank (`MPI_Get_processor_name`).
  public var hosts: [String]
  /// The memory each rank's host has for it, by rank: the smaller of the host's memory and
  /// the rank's control-group limit (a batch system's job limit); 0 where not known.
  public var memoryBytes: [Int]

  public init(hosts: [String], memoryBytes: [Int]? = nil) {
    self.hosts = hosts
    self.memoryBytes = memoryBytes ?? [Int](repeating: 0, count: hosts.count)
  }

  /// `ranks` ranks, `perHost` on each of hosts "node1", "node2", ... in rank order (as
  /// `floe info --plan` assumes); memory not known.
  public static func assumed(ranks: Int, perHost: Int) -> Placement {
    Placement(hosts: (0..<ranks).map { "node\($0 / Swift.max(1, perHost) + 1)" })
  }

  /// Every rank sends its host name and memory to rank 0 (collective); rank 0 gets the
  /// placement, the others nil.
  public static func gather(_ transport: any Transport) throws -> Placement? {
    let texts = try transport.gatherText("\(HostMemory.bytes)\t\(transport.host)")
    guard transport.rank == 0 else { return nil }
    let parts = texts.map {
      $0.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
    }
    return Placement(
      hosts: parts.map { $0.count > 1 ? String($0[1]) : "" },
      memoryBytes: parts.map { Int($0[0]) ?? 0 })
  }

  /// Hosts in the order of their first rank, each with its ranks.
  public var ranksByHost: [(host: String, ranks: [Int])] { byHost(hosts.indices) }

  /// `ranks` grouped by host: hosts in the order of their first rank there, ranks in order.
  private func byHost(_ ranks: some Sequence<Int>) -> [(host: String, ranks: [Int])] {
    var order: [String] = []
    var grouped: [String: [Int]] = [:]
    for rank in ranks {
      if grouped[hosts[rank]] == nil { order.append(hosts[rank]) }
      grouped[hosts[rank], default: []].append(rank)
    }
    return order.map { ($0, grouped[$0]!) }
  }

  /// Whether `rank` reads and reduces: every rank but 0, which schedules, unless it is alone.
  public func isWorking(_ rank: Int) -> Bool { rank != 0 || hosts.count == 1 }

  /// The ranks that work (every rank but 0, or rank 0 alone), ordered host by host — hosts
  /// in the order of their first working rank, ranks in order within a host — so that a
  /// host's workers take neighbouring units and merge them among themselves before anything
  /// crosses the network. Worker w is rank `workerRanks[w]`; worker 0 (the keeper) is rank 1.
  public var workerRanks: [Int] { byHost(hosts.indices.filter(isWorking)).flatMap(\.ranks) }

  /// The exchange tree over the workers in `workerRanks` order.
  public var exchangeTree: ExchangeTree {
    ExchangeTree(hostOfWorker: workerRanks.map { hosts[$0] })
  }

  /// "floe: 5 ranks on 2 hosts: floe1 3 (ranks 0-2), floe2 2 (ranks 3-4)"
  public var text: String {
    let groups = ranksByHost
    let each = groups.map { "\($0.host) \($0.ranks.count) (ranks \(Self.spans($0.ranks)))" }
    return "floe: \(hosts.count) rank(s) on \(groups.count) host(s): "
      + each.joined(separator: ", ")
  }

  /// [0, 1, 2, 5] as "0-2, 5".
  public static func spans(_ ranks: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < ranks.count {
      var j = i
      while j + 1 < ranks.count && ranks[j + 1] == ranks[j] + 1 { j += 1 }
      parts.append(i == j ? "\(ranks[i])" : "\(ranks[i])-\(ranks[j])")
      i = j + 1
    }
    return parts.joined(separator: ", ")
  }
}
