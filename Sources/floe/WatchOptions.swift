import ArgumentParser
import Floe
import FloeMPI
import Logging

/// `--quiet`, `--progress-every` and `--report`: what rank 0 tells while and after it runs.
struct WatchOptionGroup: ParsableArguments {
  @Flag(name: .shortAndLong, help: "Print errors only: no plan, no progress, no summary.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "How much rank 0 tells: trace, debug, info, notice, warning, error, critical.",
      discussion:
        "info (the default) prints the plan, the progress (at notice) and the summary; debug adds every worker's numbers for every superstep, with its rank; warning and above print errors only, as --quiet does.",
      valueName: "level"), transform: parseLogLevel)
  var logLevel: Logger.Level = .info

  @Option(
    help: ArgumentHelp(
      "Seconds between progress lines in a batch log.",
      discussion:
        "At a terminal the progress line (units done, GB/s, time elapsed and left) is redrawn after every superstep; in a batch log (standard error and output not a terminal) a plain line is printed at most this often."
    ))
  var progressEvery = 30.0

  @Option(
    help: ArgumentHelp(
      "Write a run report to FILE at the end, also when the run failed or was stopped: FILE.json for machines, any other name (run.html) a self-contained HTML page with the plan, a timeline of every superstep per rank (read, compute, exchange, idle), bandwidth against the read floor and peak memory per rank against the budget. Give it twice for both.",
      valueName: "FILE"))
  var report: [String] = []

  func validate() throws {
    guard progressEvery >= 0 else { throw ValidationError("--progress-every must be 0 or more") }
  }

  /// The level in force: --quiet is --log-level error.
  var level: Logger.Level { quiet ? .error : logLevel }

  var options: WatchOptions {
    var options = WatchOptions()
    options.quiet = level > .notice
    options.progressEvery = progressEvery
    options.reports = report
    return options
  }

  /// Sets the process's log level; returns where rank 0's plan and summary go (the log,
  /// at info).
  func start() -> (String) -> Void {
    FloeLogHandler.setLevel(level)
    return { floeLog.info("\($0)") }
  }
}

/// Parses --log-level (a conformance of Logger.Level to ExpressibleByArgument would be
/// retroactive under SwiftPM and not under CMake, which builds every module as one package).
func parseLogLevel(_ text: String) throws -> Logger.Level {
  guard let level = Logger.Level(rawValue: text) else {
    let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
    throw ValidationError("use one of \(levels)")
  }
  return level
}
