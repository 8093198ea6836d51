/// Who reduces which units when each worker keeps its nodes until the end of the job
/// (`SuperstepSizing.holdsNodes`): every worker's units, over all supersteps, stay one
/// contiguous range, so its nodes combine where they are made and only the end moves them.
///
/// The workers start at points spread over the units (worker 0 at the first, the last
/// worker at the end, the others evenly between). The units between two neighbouring
/// workers' ranges form a gap, taken from its front by the worker on its left and from its
/// back by the worker on its right; a worker with a gap on each side takes from the larger.
/// Two workers meet wherever their speeds make them meet, so the load stays balanced; no
/// superstep gives out more than half of a gap, so the last ones are short.
public struct HeldRanges: Sendable, Equatable {
  /// Each worker's units so far, in worker order.
  public private(set) var held: [Range<Int>]
  /// Units end here.
  public let total: Int

  public init(start: Int, total: Int, workers: Int) {
    precondition(workers > 0 && start <= total)
    held = (0..<workers).map { w in
      let at = workers == 1 ? start : start + (total - start) * w / (workers - 1)
      return at..<at
    }
    self.total = total
  }

  /// The units between worker g's range and worker g + 1's (after the last worker's: to
  /// the end, which is empty unless there is one worker).
  public func gap(_ g: Int) -> Range<Int> {
    held[g].upperBound..<(g + 1 < held.count ? held[g + 1].lowerBound : total)
  }

  /// Units not given out yet.
  public var remaining: Int { held.indices.reduce(0) { $0 + gap($1).count } }

  /// The next superstep's ranges, in worker order, for workers wanting `shares` units each
  /// (`Assignment.shares`). A worker with nothing next to it gets an empty range.
  public mutating func next(shares: [Int]) -> [Range<Int>] {
    let w = held.count
    precondition(shares.count == w)
    // Which side each worker takes from: its right gap's front, or its left gap's back.
    let takesLeft = (0..<w).map { i -> Bool in
      guard i > 0 else { return false }
      return gap(i - 1).count > gap(i).count
    }
    var ranges = held.map { $0.upperBound..<$0.upperBound }
    for g in 0..<w {
      let gap = self.gap(g)
      var front = takesLeft[g] ? 0 : shares[g]
      var back = g + 1 < w && takesLeft[g + 1] ? shares[g + 1] : 0
      guard !gap.isEmpty, front + back > 0 else { continue }
      if w > 1 {
        // At most half of a gap goes out at once, shared in proportion (rounded up): the
        // last supersteps grow short, so the workers finish together.
        let sum = front + back
        front = Swift.min(front, (gap.count * front + 2 * sum - 1) / (2 * sum))
        back = Swift.min(back, (gap.count * back + 2 * sum - 1) / (2 * sum))
      }
      // Both want more than is left: split it in proportion.
      let fromFront =
        front + back <= gap.count ? front : gap.count * front / (front + back)
      let fromBack = Swift.min(back, gap.count - fromFront)
      if fromFront > 0 {
        ranges[g] = gap.lowerBound..<(gap.lowerBound + fromFront)
        held[g] = held[g].lowerBound..<ranges[g].upperBound
      }
      if fromBack > 0 {
        ranges[g + 1] = (gap.upperBound - fromBack)..<gap.upperBound
        held[g + 1] = ranges[g + 1].lowerBound..<held[g + 1].upperBound
      }
    }
    return ranges
  }
}
