import Foundation

/// A date in a CF calendar (no time zone: CF times are in the reference's zone, UTC by default).
public struct CFDate: Equatable, Sendable, CustomStringConvertible {
  public var year: Int, month: Int, day: Int
  public var seconds: Double  // since midnight

  public init(year: Int, month: Int, day: Int, seconds: Double = 0) {
    self.year = year
    self.month = month
    self.day = day
    self.seconds = seconds
  }

  public var description: String {
    let h = Int(seconds / 3600), m = Int(seconds.truncatingRemainder(dividingBy: 3600) / 60)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(year)-\(two(month))-\(two(day)) \(two(h)):\(two(m))"
  }
}

/// The CF calendars.
public enum CFCalendar: String, Sendable, CaseIterable {
  /// Julian before 1582-10-15, Gregorian from then on (CF's default; also "gregorian").
  case standard
  case prolepticGregorian = "proleptic_gregorian"
  case julian
  case noLeap = "noleap"
  case allLeap = "all_leap"
  case days360 = "360_day"

  /// Parses a `calendar` attribute, with CF's synonyms.
  public init?(attribute: String) {
    switch attribute.lowercased().trimmingCharacters(in: .whitespaces) {
    case "standard", "gregorian", "": self = .standard
    case "proleptic_gregorian": self = .prolepticGregorian
    case "julian": self = .julian
    case "noleap", "365_day", "no_leap": self = .noLeap
    case "all_leap", "366_day": self = .allLeap
    case "360_day": self = .days360
    default: return nil
    }
  }

  func monthLengths(_ year: Int) -> [Int] {
    switch self {
    case .days360: return [Int](repeating: 30, count: 12)
    case .noLeap: return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    case .allLeap: return [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    default:
      let leap: Bool
      switch self {
      case .julian: leap = year % 4 == 0
      case .prolepticGregorian: leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
      default:
        leap = year < 1583 ? year % 4 == 0 : (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
      }
      return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    }
  }

  /// Days from a fixed epoch of this calendar to the date (any consistent count works:
  /// only differences are used).
  func dayNumber(year y: Int, month m: Int, day d: Int) -> Int {
    switch self {
    case .days360: return y * 360 + (m - 1) * 30 + (d - 1)
    case .noLeap:
      return y * 365 + [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][m - 1] + d - 1
    case .allLeap:
      return y * 366 + [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335][m - 1] + d - 1
    case .julian: return Self.julianDayNumber(y, m, d, gregorian: false)
    case .prolepticGregorian: return Self.julianDayNumber(y, m, d, gregorian: true)
    case .standard:
      let gregorian = (y, m, d) >= (1582, 10, 15)
      return Self.julianDayNumber(y, m, d, gregorian: gregorian)
    }
  }

  /// The date of a day number (the inverse of `dayNumber`).
  func date(dayNumber n: Int) -> (year: Int, month: Int, day: Int) {
    switch self {
    case .days360, .noLeap, .allLeap:
      let length = self == .days360 ? 360 : self == .noLeap ? 365 : 366
      let year = Int((Double(n) / Double(length)).rounded(.down))
      var rest = n - year * length
      var month = 1
      for l in monthLengths(year) {
        if rest < l { break }
        rest -= l
        month += 1
      }
      return (year, month, rest + 1)
    case .julian: return Self.civil(fromJulianDayNumber: n, gregorian: false)
    case .prolepticGregorian: return Self.civil(fromJulianDayNumber: n, gregorian: true)
    case .standard: return Self.civil(fromJulianDayNumber: n, gregorian: n >= 2_299_161)  // 1582-10-15
    }
  }

  /// Julian Day Number of a civil date (Richards' algorithm, valid for all years here).
  static func julianDayNumber(_ y: Int, _ m: Int, _ d: Int, gregorian: Bool) -> Int {
    let a = (14 - m) / 12
    let yy = y + 4800 - a
    let mm = m + 12 * a - 3
    var jdn = d + (153 * mm + 2) / 5 + 365 * yy + floorDiv(yy, 4)
    jdn += gregorian ? -floorDiv(yy, 100) + floorDiv(yy, 400) - 32045 : -32083
    return jdn
  }

  static func civil(fromJulianDayNumber j: Int, gregorian: Bool) -> (
    year: Int, month: Int, day: Int
  ) {
    var b = 0
    var c = 0
    if gregorian {
      let a = j + 32044
      b = floorDiv(4 * a + 3, 146_097)
      c = a - floorDiv(146_097 * b, 4)
    } else {
      c = j + 32082
    }
    let d = floorDiv(4 * c + 3, 1461)
    let e = c - floorDiv(1461 * d, 4)
    let m = floorDiv(5 * e + 2, 153)
    let day = e - floorDiv(153 * m + 2, 5) + 1
    let month = m + 3 - 12 * floorDiv(m, 10)
    let year = 100 * b + d - 4800 + floorDiv(m, 10)
    return (year, month, day)
  }

  static func floorDiv(_ a: Int, _ b: Int) -> Int { Int((Double(a) / Double(b)).rounded(.down)) }
}

/// A CF time coordinate's `units` ("days since 2000-01-01 00:00:00") and `calendar`.
public struct TimeAxis: Sendable {
  public let secondsPerUnit: Double
  public let reference: CFDate
  public let calendar: CFCalendar
  let referenceDay: Int

  /// Parses the attributes; throws a message naming what is wrong.
  public init(units: String, calendar: String?) throws {
    let parts = units.trimmingCharacters(in: .whitespaces).components(separatedBy: " since ")
    guard parts.count == 2 else {
      throw ReduceError("time units '\(units)' are not of the form '<unit> since <date>'")
    }
    switch parts[0].lowercased().trimmingCharacters(in: .whitespaces) {
    case "seconds", "second", "secs", "sec", "s": secondsPerUnit = 1
    case "minutes", "minute", "mins", "min": secondsPerUnit = 60
    case "hours", "hour", "hrs", "hr", "h": secondsPerUnit = 3600
    case "days", "day", "d": secondsPerUnit = 86400
    default:
      throw ReduceError(
        "time units '\(units)': '\(parts[0])' is not one of seconds, minutes, hours, days (CF advises against months and years)"
      )
    }
    guard let parsedCalendar = CFCalendar(attribute: calendar ?? "standard") else {
      throw ReduceError(
        "unknown calendar '\(calendar ?? "")'; CF calendars are standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day"
      )
    }
    self.calendar = parsedCalendar
    reference = try Self.parseDate(parts[1], units: units)
    guard reference.month >= 1, reference.month <= 12, reference.day >= 1,
      reference.day <= parsedCalendar.monthLengths(reference.year)[reference.month - 1]
    else {
      throw ReduceError(
        "time units '\(units)': the reference date does not exist in the \(parsedCalendar.rawValue) calendar"
      )
    }
    referenceDay = parsedCalendar.dayNumber(
      year: reference.year, month: reference.month, day: reference.day)
  }

  /// "2000-01-01", "2000-1-1 0:0:0", "2000-01-01T06:00:00Z", "1990-01-01 00:00:00.0 -6:00".
  static func parseDate(_ text: String, units: String) throws -> CFDate {
    var fields = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "T", with: " ")
      .replacingOccurrences(of: "Z", with: "").split(separator: " ").map(String.init)
    guard let datePart = fields.first else {
      throw ReduceError("time units '\(units)' have no reference date")
    }
    fields.removeFirst()
    let ymd = datePart.split(separator: "-", omittingEmptySubsequences: false)
    let negativeYear = datePart.hasPrefix("-")
    let numbers = (negativeYear ? Array(ymd.dropFirst()) : Array(ymd)).map { Int($0) }
    guard numbers.count >= 1, numbers.count <= 3, numbers.allSatisfy({ $0 != nil }) else {
      throw ReduceError("time units '\(units)': cannot read the date '\(datePart)'")
    }
    var date = CFDate(
      year: (negativeYear ? -1 : 1) * numbers[0]!, month: numbers.count > 1 ? numbers[1]! : 1,
      day: numbers.count > 2 ? numbers[2]! : 1)
    if let clock = fields.first, clock.contains(":") {
      let hms = clock.split(separator: ":").map { Double($0) }
      guard hms.allSatisfy({ $0 != nil }) else {
        throw ReduceError("time units '\(units)': cannot read the time '\(clock)'")
      }
      date.seconds =
        (hms[0] ?? 0) * 3600 + (hms.count > 1 ? hms[1]! * 60 : 0) + (hms.count > 2 ? hms[2]! : 0)
      fields.removeFirst()
    }
    if let zone = fields.first {  // "-6:00", "+05:30", "UTC"
      if zone.uppercased() != "UTC" {
        let sign: Double = zone.hasPrefix("-") ? -1 : 1
        let hm = zone.trimmingCharacters(in: CharacterSet(charactersIn: "+-")).split(separator: ":")
          .map { Double($0) }
        guard hm.allSatisfy({ $0 != nil }), !hm.isEmpty else {
          throw ReduceError("time units '\(units)': cannot read the time zone '\(zone)'")
        }
        // Local time minus the offset is UTC.
        date.seconds -= sign * (hm[0]! * 3600 + (hm.count > 1 ? hm[1]! * 60 : 0))
      }
    }
    return date
  }

  /// The date of a coordinate value.
  public func date(_ value: Double) -> CFDate {
    let total = reference.seconds + value * secondsPerUnit
    let days = Int((total / 86400).rounded(.down))
    let (y, m, d) = calendar.date(dayNumber: referenceDay + days)
    return CFDate(year: y, month: m, day: d, seconds: total - Double(days) * 86400)
  }

  /// The coordinate value of a date (the inverse of `date`).
  public func value(_ date: CFDate) -> Double {
    let days = calendar.dayNumber(year: date.year, month: date.month, day: date.day) - referenceDay
    return (Double(days) * 86400 + date.seconds - reference.seconds) / secondsPerUnit
  }
}

extension TimeAxis {
  /// The axis of time coordinate `coordinate` in `file`; an error names both.
  init(units: String, calendar: String?, coordinate: String, file: String) throws {
    do {
      try self.init(units: units, calendar: calendar)
    } catch {
      throw ReduceError("time coordinate '\(coordinate)' in \(file): \(error)")
    }
  }
}
