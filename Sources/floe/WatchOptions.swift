import ArgumentParser
import Floe
import FloeMPI

/// `--quiet`, `--progress-every` and `--report`: what rank 0 tells while and after it runs.
struct WatchOptionGroup: ParsableArguments {
  @Flag(name: .shortAndLong, help: "Print errors only: no plan, no progress, no summary.")
  var quiet = false

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

  var options: WatchOptions {
    var options = WatchOptions()
    options.quiet = quiet
    options.progressEvery = progressEvery
    options.reports = report
    return options
  }

  /// Where rank 0's plan and summary go: standard error, or nowhere with --quiet.
  var log: (String) -> Void {
    quiet ? { _ in } : { writeStandardError($0 + "\n") }
  }
}
