import Foundation

/// How time steps are grouped: `--by time.month|time.season|time.year|time.day` and
/// `--resample time=1D|1M|1Y`.
public enum TimeGrouping: String, Sendable, Codable, CaseIterable {
  /// A monthly climatology: all Januaries together, ... (CDO ymonmean).
  case month
  /// A seasonal climatology: DJF, MAM, JJA, SON (CDO yseasmean).
  case season
  /// Each year (CDO yearmean; `--resample time=1Y`).
  case year
  /// Each calendar day (CDO daymean; `--resample time=1D`).
  case day
  /// Each month of each year (CDO monmean; `--resample time=1M`).
  case yearMonth = "year-month"

  /// `--by time.month` and friends.
  public init?(by text: String) {
    switch text {
    case "time.month": self = .month
    case "time.season": self = .season
    case "time.year": self = .year
    case "time.day": self = .day
    default: return nil
    }
  }

  /// `--resample time=1D|1M|1Y`.
  public init?(resample text: String) {
    switch text {
    case "time=1D": self = .day
    case "time=1M": self = .yearMonth
    case "time=1Y": self = .year
    default: return nil
    }
  }

  /// Climatologies pool the same period of every year.
  public var isClimatology: Bool { self == .month || self == .season }

  /// The group key of a date; groups are ordered by key (seasons DJF, MAM, JJA, SON).
  func key(_ date: CFDate, _ calendar: CFCalendar) -> Int {
    switch self {
    case .month: return date.month
    case .season: return [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0][date.month - 1]
    case .year: return date.year
    case .day: return calendar.dayNumber(year: date.year, month: date.month, day: date.day)
    case .yearMonth: return date.year * 12 + date.month - 1
    }
  }

  /// The period a date falls in: its first instant and the first instant after it.
  func period(of date: CFDate) -> (CFDate, CFDate) {
    func monthStart(_ y: Int, _ m: Int) -> CFDate {
      let k = y * 12 + (m - 1)
      return CFDate(
        year: Int((Double(k) / 12).rounded(.down)),
        month: k - 12 * Int((Double(k) / 12).rounded(.down)) + 1, day: 1)
    }
    switch self {
    case .month, .yearMonth:
      return (monthStart(date.year, date.month), monthStart(date.year, date.month + 1))
    case .season:
      // DJF starts on 1 December of the previous year for January and February.
      let first = [-1, -1, 3, 3, 3, 6, 6, 6, 9, 9, 9, 12][date.month - 1]
      let start = monthStart(date.year, first == -1 ? 0 : first)
      return (start, monthStart(start.year, start.month + 3))
    case .year:
      return (
        CFDate(year: date.year, month: 1, day: 1), CFDate(year: date.year + 1, month: 1, day: 1)
      )
    case .day:
      return (
        CFDate(year: date.year, month: date.month, day: date.day),
        CFDate(year: date.year, month: date.month, day: date.day, seconds: 86400)
      )
    }
  }
}

/// The groups of one reduction, made on rank 0 from the time coordinate and sent to
/// every rank: which group each time step is in, and each group's output time and bounds.
public struct GroupSpec: Codable, Sendable, Equatable {
  public var grouping: TimeGrouping
  /// The group of each time step.
  public var index: [Int32]
  public var count: Int
  /// The output's time coordinate: the middle of each group's (first) period.
  public var times: [Double]
  /// Two per group: the period's bounds (for a climatology: from the first period's start
  /// to the last period's end, CF's climatology bounds).
  public var bounds: [Double]

  public init(times: [Double], axis: TimeAxis, grouping: TimeGrouping) {
    self.grouping = grouping
    let dates = times.map(axis.date)
    let keys = dates.map { grouping.key($0, axis.calendar) }
    let ordered = Array(Set(keys)).sorted()
    let position = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
    index = keys.map { Int32(position[$0]!) }
    count = ordered.count
    var firstStart = [Double](repeating: .infinity, count: count)
    var firstEnd = [Double](repeating: .infinity, count: count)
    var lastEnd = [Double](repeating: -.infinity, count: count)
    for (i, date) in dates.enumerated() {
      let g = Int(index[i])
      let (start, end) = grouping.period(of: date)
      let s = axis.value(start)
      let e = axis.value(
        CFDate(year: end.year, month: end.month, day: end.day, seconds: end.seconds))
      if s < firstStart[g] {
        firstStart[g] = s
        firstEnd[g] = e
      }
      lastEnd[g] = max(lastEnd[g], e)
    }
    self.times = (0..<count).map { (firstStart[$0] + firstEnd[$0]) / 2 }
    bounds = (0..<count).flatMap {
      [firstStart[$0], grouping.isClimatology ? lastEnd[$0] : firstEnd[$0]]
    }
  }

  /// The most distinct groups among any `window` consecutive time steps.
  public func mostGroups(inStepsAtOnce window: Int) -> Int {
    let w = Swift.min(Swift.max(window, 1), index.count)
    guard w > 0 else { return 0 }
    var seen = [Int](repeating: 0, count: count)
    var distinct = 0
    var most = 0
    for (t, g) in index.enumerated() {
      if seen[Int(g)] == 0 { distinct += 1 }
      seen[Int(g)] += 1
      if t >= w {
        let out = Int(index[t - w])
        seen[out] -= 1
        if seen[out] == 0 { distinct -= 1 }
      }
      most = Swift.max(most, distinct)
    }
    return most
  }
}
