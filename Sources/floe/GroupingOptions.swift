import ArgumentParser
import Floe

/// `--by` and `--resample`, shared by `reduce` and `anomaly`.
struct GroupingOptions: ParsableArguments {
  @Option(help: "Group time steps: time.month or time.season (climatologies), time.year, time.day.")
  var by: String?

  @Option(help: "Periods of each year: time=1D (daily), time=1M (monthly), time=1Y (yearly).")
  var resample: String?

  /// The grouping asked for, if any (valid after `validate`).
  var grouping: TimeGrouping? {
    by.flatMap(TimeGrouping.init(by:)) ?? resample.flatMap(TimeGrouping.init(resample:))
  }

  func validate() throws {
    if let by, TimeGrouping(by: by) == nil {
      throw ValidationError(
        "unknown --by '\(by)'; use time.month, time.season, time.year or time.day")
    }
    if let resample, TimeGrouping(resample: resample) == nil {
      throw ValidationError("unknown --resample '\(resample)'; use time=1D, time=1M or time=1Y")
    }
    if by != nil && resample != nil { throw ValidationError("give --by or --resample, not both") }
  }
}
