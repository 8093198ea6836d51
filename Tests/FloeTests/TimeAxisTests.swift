import Floe
import XCTest

/// CF time: units and every calendar, against dates checked by hand (and cftime's results).
final class TimeAxisTests: XCTestCase {
  func testStandardCalendarAcrossLeapYearsAndTheGregorianReform() throws {
    let t = try TimeAxis(units: "days since 2000-01-01 00:00:00", calendar: "standard")
    XCTAssertEqual(t.date(0), CFDate(year: 2000, month: 1, day: 1))
    XCTAssertEqual(t.date(59), CFDate(year: 2000, month: 2, day: 29))  // 2000 is a leap year
    XCTAssertEqual(t.date(366), CFDate(year: 2001, month: 1, day: 1))
    XCTAssertEqual(t.date(-1), CFDate(year: 1999, month: 12, day: 31))
    XCTAssertEqual(t.date(0.5), CFDate(year: 2000, month: 1, day: 1, seconds: 43200))
    XCTAssertEqual(t.value(CFDate(year: 2001, month: 3, day: 1)), 425)
    // The reform: 1582-10-04 (Julian) is followed by 1582-10-15 (Gregorian).
    let r = try TimeAxis(units: "days since 1582-10-04", calendar: "gregorian")
    XCTAssertEqual(r.date(1), CFDate(year: 1582, month: 10, day: 15))
    // 1900 is not a leap year in the Gregorian calendar, but is in the Julian.
    let h = try TimeAxis(units: "hours since 1900-02-28", calendar: "proleptic_gregorian")
    XCTAssertEqual(h.date(24), CFDate(year: 1900, month: 3, day: 1))
    let j = try TimeAxis(units: "hours since 1900-02-28", calendar: "julian")
    XCTAssertEqual(j.date(24), CFDate(year: 1900, month: 2, day: 29))
  }

  func testModelCalendars() throws {
    let noLeap = try TimeAxis(units: "days since 2000-01-01", calendar: "365_day")
    XCTAssertEqual(noLeap.date(59), CFDate(year: 2000, month: 3, day: 1))
    XCTAssertEqual(noLeap.date(365), CFDate(year: 2001, month: 1, day: 1))
    let allLeap = try TimeAxis(units: "days since 2001-01-01", calendar: "all_leap")
    XCTAssertEqual(allLeap.date(59), CFDate(year: 2001, month: 2, day: 29))
    let d360 = try TimeAxis(units: "days since 2000-01-01", calendar: "360_day")
    XCTAssertEqual(d360.date(59), CFDate(year: 2000, month: 2, day: 30))
    XCTAssertEqual(d360.date(360), CFDate(year: 2001, month: 1, day: 1))
    XCTAssertEqual(d360.value(CFDate(year: 2001, month: 2, day: 30)), 419)
    XCTAssertThrowsError(try TimeAxis(units: "days since 2000-02-30", calendar: "noleap"))
  }

  func testUnitsAndReferenceForms() throws {
    let s = try TimeAxis(units: "seconds since 1970-01-01T00:00:00Z", calendar: nil)
    XCTAssertEqual(s.date(86400 * 365 + 3600), CFDate(year: 1971, month: 1, day: 1, seconds: 3600))
    let m = try TimeAxis(units: "minutes since 2000-1-1 6:00", calendar: "standard")
    XCTAssertEqual(m.date(60), CFDate(year: 2000, month: 1, day: 1, seconds: 7 * 3600))
    // A zone offset: 00:00 at -6:00 is 06:00 UTC.
    let z = try TimeAxis(units: "hours since 1990-01-01 00:00:00.0 -6:00", calendar: "standard")
    XCTAssertEqual(z.date(0), CFDate(year: 1990, month: 1, day: 1, seconds: 6 * 3600))
    for bad in ["days after 2000-01-01", "fortnights since 2000-01-01", "days since yesterday"] {
      XCTAssertThrowsError(try TimeAxis(units: bad, calendar: "standard"), bad)
    }
    XCTAssertThrowsError(try TimeAxis(units: "days since 2000-01-01", calendar: "lunar")) { error in
      XCTAssertTrue(String(describing: error).contains("unknown calendar 'lunar'"))
    }
  }
}
