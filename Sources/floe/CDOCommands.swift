import ArgumentParser
import Floe
import FloeMPI

/// A CDO-style command: `floe timmean IN OUT`, the output last as in CDO, on the BSP runtime.
protocol CDOStyleCommand: DistributedCommand {
  static var operation: Statistic { get }
  /// The statistic with this invocation's parameters (timpctl's percentile).
  var statistic: Statistic { get }
  /// The dimensions reduced (nil: time) and how.
  static var over: [String]? { get }
  static var weights: WeightKind? { get }
  static var grouping: TimeGrouping? { get }
  var options: CDOOptions { get }
}

extension CDOStyleCommand {
  var statistic: Statistic { Self.operation }
  static var over: [String]? { nil }
  static var weights: WeightKind? { nil }
  static var grouping: TimeGrouping? { nil }

  func run(world: Communicator) throws {
    // Rank 0 finds the variables: --var's, else every data variable of the file, as CDO
    // reduces them all (in one pass; they must share their dimensions).
    let found = try Agreement.rankZero(world) { () throws -> [UInt8] in
      if let variable = options.variable { return Array(variable.utf8) }
      let variables = try ReduceRequest.dataVariables(in: options.input)
      guard let first = variables.first else {
        throw CommandError("\(options.input) has no data variable")
      }
      guard variables.allSatisfy({ $0.dimensions == first.dimensions }) else {
        let listed = variables.map { "\($0.name)(\($0.dimensions.joined(separator: ", ")))" }
        throw CommandError(
          "\(options.input) has data variables of different dimensions (\(listed.joined(separator: ", "))); "
            + "name those to reduce with --var")
      }
      return Array(variables.map(\.name).joined(separator: ",").utf8)
    }
    let names = String(decoding: try world.broadcastArray(found ?? [], root: 0), as: UTF8.self)
      .split(separator: ",").map(String.init)
    var request = ReduceRequest(
      input: options.input, variable: names[0], statistic: statistic, over: Self.over,
      output: options.output,
      commandLine: Invocation.commandLine,
      weights: Self.weights,
      grouping: Self.grouping)
    options.budget.apply(to: &request)
    request.variables = names
    request.moreInputs = options.moreInputs
    request.checkpoint = options.checkpoints.request
    request.watch = options.watching.options
    _ = try Reduction.run(request, world: world, log: options.watching.start())
  }
}

/// A request the command line cannot carry out, in one sentence.
struct CommandError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// What every CDO-style command takes.
struct CDOOptions: ParsableArguments {
  @Argument(help: "The input file (or several along the record dimension), then the output file.")
  var files: [String]

  var input: String { files[0] }
  var moreInputs: [String] { Array(files.dropFirst().dropLast()) }
  var output: String { files[files.count - 1] }
  @Option(
    name: .customLong("var"),
    help: ArgumentHelp(
      "The variables, comma-separated (default: every data variable, as CDO; they must share their dimensions).",
      valueName: "name[,name...]"))
  var variable: String?
  @OptionGroup var budget: BudgetOptions
  @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions
  @OptionGroup(title: "Progress and reports") var watching: WatchOptionGroup

  func validate() throws {
    guard files.count >= 2 else {
      throw ValidationError("give the input file(s), then the output file")
    }
  }
}

struct TimMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timmean", abstract: "Mean over time (CDO timmean).")
  static let operation = Statistic.mean
  @OptionGroup var options: CDOOptions
}
struct TimSum: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timsum", abstract: "Sum over time (CDO timsum).")
  static let operation = Statistic.sum
  @OptionGroup var options: CDOOptions
}
struct TimMin: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timmin", abstract: "Minimum over time (CDO timmin).")
  static let operation = Statistic.min
  @OptionGroup var options: CDOOptions
}
struct TimMax: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timmax", abstract: "Maximum over time (CDO timmax).")
  static let operation = Statistic.max
  @OptionGroup var options: CDOOptions
}
struct TimStd: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timstd", abstract: "Standard deviation over time, divisor n (CDO timstd).")
  static let operation = Statistic.standardDeviation
  @OptionGroup var options: CDOOptions
}
struct TimVar: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timvar", abstract: "Variance over time, divisor n (CDO timvar).")
  static let operation = Statistic.variance
  @OptionGroup var options: CDOOptions
}
struct FldMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "fldmean",
    abstract:
      "Area-weighted mean over latitude and longitude (CDO fldmean; see docs/cf-semantics.md).")
  static let operation = Statistic.mean
  static var over: [String]? { ["lat", "lon"] }
  static var weights: WeightKind? { .coslat }
  @OptionGroup var options: CDOOptions
}
struct FldSum: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "fldsum", abstract: "Sum over latitude and longitude (CDO fldsum).")
  static let operation = Statistic.sum
  static var over: [String]? { ["lat", "lon"] }
  @OptionGroup var options: CDOOptions
}
struct YMonMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "ymonmean", abstract: "Monthly climatology (CDO ymonmean).")
  static let operation = Statistic.mean
  static var grouping: TimeGrouping? { .month }
  @OptionGroup var options: CDOOptions
}
struct YSeasMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "yseasmean", abstract: "Seasonal climatology, DJF MAM JJA SON (CDO yseasmean).")
  static let operation = Statistic.mean
  static var grouping: TimeGrouping? { .season }
  @OptionGroup var options: CDOOptions
}
struct YearMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "yearmean", abstract: "Mean of each year (CDO yearmean).")
  static let operation = Statistic.mean
  static var grouping: TimeGrouping? { .year }
  @OptionGroup var options: CDOOptions
}
struct MonMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "monmean", abstract: "Mean of each month of each year (CDO monmean).")
  static let operation = Statistic.mean
  static var grouping: TimeGrouping? { .yearMonth }
  @OptionGroup var options: CDOOptions
}
struct DayMean: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "daymean", abstract: "Mean of each day (CDO daymean).")
  static let operation = Statistic.mean
  static var grouping: TimeGrouping? { .day }
  @OptionGroup var options: CDOOptions
}

struct TimPctl: CDOStyleCommand {
  static let configuration = CommandConfiguration(
    commandName: "timpctl",
    abstract:
      "Exact percentile over time, as CDO's timpctl,N (numpy's linear definition; no min/max files).",
    usage: "floe timpctl,N <input> <output> [--var <var>]")
  static let operation = Statistic.percentile(50)
  @Option(help: "The percentile, 0 to 100 (written timpctl,N).")
  var percentile: Double
  @OptionGroup var options: CDOOptions
  var statistic: Statistic { .percentile(percentile) }

  func validate() throws {
    guard (0...100).contains(percentile) else {
      throw ValidationError("timpctl,\(percentile): N must be 0 to 100")
    }
  }
}

/// The CDO-style commands, for the root command's list.
let cdoStyleCommands: [ParsableCommand.Type] = [
  TimMean.self, TimSum.self, TimMin.self, TimMax.self, TimStd.self, TimVar.self, FldMean.self,
  FldSum.self,
  YMonMean.self, YSeasMean.self, YearMean.self, MonMean.self, DayMean.self, TimPctl.self,
]
