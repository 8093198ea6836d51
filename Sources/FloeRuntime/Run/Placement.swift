/// Which host each rank runs on (gathered once at the start of a job), for the plan and the
/// run summary: ranks on different hosts exchange over the network, not shared memory.
public struct Placement: Sendable, Equatable {
  /// The host of each rank, by rank (`MPI_Get_processor_name`).
  public var hosts: [String]

  public init(hosts: [String]) { self.hosts = hosts }

  /// Every rank sends its host name to rank 0 (collective); rank 0 gets the placement, the
  /// others nil.
  public static func gather(_ transport: any Transport) throws -> Placement? {
    let hosts = try transport.gatherText(transport.host)
    return transport.rank == 0 ? Placement(hosts: hosts) : nil
  }

  /// Hosts in the order of their first rank, each with its ranks.
  public var ranksByHost: [(host: String, ranks: [Int])] {
    var order: [String] = []
    var ranks: [String: [Int]] = [:]
    for (rank, host) in hosts.enumerated() {
      if ranks[host] == nil { order.append(host) }
      ranks[host, default: []].append(rank)
    }
    return order.map { ($0, ranks[$0]!) }
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
