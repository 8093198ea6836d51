/// What rank 0 tells a worker at the start of a superstep: three integers on the wire.
public enum Order: Equatable, Sendable {
  /// Reduce units `range`. `ahead`: rank 0 sends the next order before it collects this
  /// one's report, so the worker takes its next order first, then reports, and goes straight
  /// on: it waits only when another worker is a whole superstep behind. (Only with held
  /// results: an exchange or a checkpoint needs every worker at the same point.)
  case work(Range<Int>, ahead: Bool)
  /// All units are done: merge, write the output, report.
  case finish
  /// The job is over; exit with this code.
  case exit(Int32)
  /// Some report said it failed: every worker sends its last error text (empty if none),
  /// in one `Transport.gatherText`.
  case explain
  /// Every unit before this one is merged: the keeper saves a checkpoint.
  case checkpoint(Int)

  /// The three integers on the wire (the in-process test transport sends them too).
  public var wire: [Int64] {
    switch self {
    case .work(let r, let ahead): [ahead ? 5 : 0, Int64(r.lowerBound), Int64(r.upperBound)]
    case .finish: [1, 0, 0]
    case .exit(let code): [2, Int64(code), 0]
    case .explain: [3, 0, 0]
    case .checkpoint(let unitsDone): [4, Int64(unitsDone), 0]
    }
  }

  /// Whether the worker takes its next order before it reports this one's.
  var isAhead: Bool {
    if case .work(_, ahead: true) = self { return true }
    return false
  }

  public init(wire: ArraySlice<Int64>) {
    let w = Array(wire)
    switch w[0] {
    case 0, 5: self = .work(Int(w[1])..<Int(w[2]), ahead: w[0] == 5)
    case 1: self = .finish
    case 3: self = .explain
    case 4: self = .checkpoint(Int(w[1]))
    default: self = .exit(Int32(w[1]))
    }
  }
}
