/// Who reduces which units in the next superstep.
public enum Assignment {
  /// Contiguous ranges starting at `position`, in worker order, the fastest worker taking
  /// `cap` units and the others in proportion to their speed (at least one each while
  /// units remain). Contiguity in worker order keeps each exchange a merge of neighbours.
  public static func next(position: Int, total: Int, speeds: [Double], cap: Int) -> [Range<Int>] {
    var shares = Self.shares(speeds: speeds, cap: cap)
    let remaining = total - position
    var sum = shares.reduce(0, +)
    if sum > remaining {
      // Scale down to what is left, keeping the proportions, then hand out the rest in order.
      shares = shares.map { Int((Double($0) * Double(remaining) / Double(sum)).rounded(.down)) }
      sum = shares.reduce(0, +)
      var w = 0
      while sum < remaining {
        shares[w % shares.count] += 1
        sum += 1
        w += 1
      }
    }
    var ranges: [Range<Int>] = []
    var start = position
    for share in shares {
      ranges.append(start..<(start + share))
      start += share
    }
    return ranges
  }

  /// What each worker should take: the fastest `cap` units, the others in proportion to
  /// their speed, at least one each.
  public static func shares(speeds: [Double], cap: Int) -> [Int] {
    precondition(!speeds.isEmpty && cap > 0)
    let fastest = speeds.max() ?? 1
    return speeds.map { speed -> Int in
      guard fastest > 0, speed > 0 else { return cap }
      return Swift.max(1, Swift.min(cap, Int((Double(cap) * speed / fastest).rounded(.down))))
    }
  }
}
