/// The memory Floe's buffers may take: given per rank (`--memory-per-rank`), or per node
/// and shared by the ranks on it (`--memory-per-node`, as Slurm's `--mem` is). Checked
/// against each host's memory once the plan says what each rank will really use.
public struct MemoryBudget: Sendable, Equatable {
  public enum Given: Sendable, Equatable {
    case perRank(MemorySize)
    case perNode(MemorySize)
  }

  public let given: Given

  public init(_ given: Given) { self.given = given }

  /// The option as the user gave it: "--memory-per-node 8.0 GiB".
  public var option: String {
    switch given {
    case .perRank(let size): "--memory-per-rank \(size)"
    case .perNode(let size): "--memory-per-node \(size)"
    }
  }

  /// Bytes for each rank: as given, or the node's share of the host with the most working
  /// ranks (every rank sizes its work alike, so the most crowded host sets the share; rank 0
  /// only schedules, unless it works alone).
  public func bytesPerRank(_ placement: Placement) -> Int {
    switch given {
    case .perRank(let size): return size.bytes
    case .perNode(let size): return size.bytes / Swift.max(1, Self.fullest(placement).workers)
    }
  }

  /// For the plan: "--memory-per-rank 1.0 GiB", or "--memory-per-node 8.0 GiB (4 working
  /// rank(s) on floe1: 2.0 GiB each)".
  public func text(_ placement: Placement) -> String {
    guard case .perNode = given else { return option }
    let fullest = Self.fullest(placement)
    return "\(option) (\(fullest.workers) working rank(s) on \(fullest.host): "
      + "\(MemorySize.format(bytesPerRank(placement))) each)"
  }

  /// The host with the most working ranks (the first of them in rank order), and how many.
  static func fullest(_ placement: Placement) -> (host: String, workers: Int) {
    var best = (host: placement.hosts.first ?? "", workers: 0)
    for (host, ranks) in placement.ranksByHost {
      let workers = ranks.filter(placement.isWorking).count
      if workers > best.workers { best = (host, workers) }
    }
    return best
  }

  /// Refuses a plan whose ranks on some host need more than that host has: `need` bytes of
  /// Floe's buffers on every working rank (rank 0 schedules and needs `schedulerNeed`).
  /// Names the host, its ranks and what would fit.
  public func check(need: Int, schedulerNeed: Int = 0, placement: Placement) throws(PlanError) {
    for (host, ranks) in placement.ranksByHost {
      let memory = placement.memoryBytes[ranks[0]]
      guard memory > 0 else { continue }
      let workers = ranks.filter(placement.isWorking).count
      // Rank 0's own need, where it only schedules.
      let scheduler = ranks.contains(0) && !placement.isWorking(0) ? schedulerNeed : 0
      let total = workers * need + scheduler
      guard total > memory else { continue }
      let fits = MemorySize.format((memory - scheduler) / Swift.max(1, workers))
      throw PlanError(
        "\(option) does not fit on \(host): its \(ranks.count) rank(s) (\(Placement.spans(ranks))) "
          + "need \(MemorySize.format(total)) for this plan "
          + "(\(MemorySize.format(need)) per working rank) but \(host) has "
          + "\(MemorySize.format(memory)); give at most --memory-per-rank \(fits) "
          + "or --memory-per-node \(MemorySize.format(memory)), or fewer ranks per host")
    }
  }
}
