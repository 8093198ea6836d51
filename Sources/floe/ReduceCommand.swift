import ArgumentParser
import Floe
import FloeKernels
import FloeMPI
import FloeRuntime

struct ReduceCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "reduce",
    abstract: "Reduce a variable over dimensions on the BSP runtime (time mean, std, ...).",
    discussion: """
      Rank 0 plans and schedules; every other rank reads units of the input through parallel HDF5 and reduces them. The output is byte-identical for any number of ranks and any --memory-per-rank. The plan and the run summary go to standard error.

      OP: mean sum min max count var std median pNN. var and std divide by n. float32 data accumulates in float64 and is written as float32. median and pNN (0 <= NN <= 100, e.g. p95, p99.9) are exact percentiles over time with linear interpolation between the closest ranks (numpy's default): the data is transposed from time to bands of space, one superstep of bands at a time, sized by --memory-per-rank.

      Dimensions are named as in the file, or by CF axis: time, lat, lon and lev find the dimension whose coordinate variable says so by its axis, standard_name or units, so --over time finds TIME and --over lat finds COADSY. Without --over, the record (unlimited) dimension is reduced.

      _FillValue, missing_value, valid_min, valid_max and valid_range mask values (compared in the stored type); scale_factor and add_offset unpack them. A point with no valid value is the fill value in the output.
      """
  )

  @Argument(
    help:
      "The input netCDF-4 / HDF5 file, or several that continue one another along the record dimension (any order)."
  )
  var inputs: [String]

  @Option(
    name: .customLong("var"),
    help: ArgumentHelp(
      "The variable to reduce, or several of the same dimensions, comma-separated, in one pass.",
      valueName: "name[,name...]"))
  var variable: String

  @Option(help: "The statistic: mean sum min max count var std median pNN (e.g. p95).")
  var op: String?

  @Option(help: "Dimensions to reduce, comma-separated (default: the record dimension).")
  var over: String?

  @Option(
    help: ArgumentHelp(
      "Weights for --op mean or sum: coslat, area or a variable's name.",
      discussion:
        "coslat: cos(latitude), or zone areas from the latitude's bounds. area: the variable cell_measures names, else cell areas from the latitude and longitude bounds. NAME: a variable whose dimensions are some of the data's, in the same order. Weights of missing values do not count; weights that cannot be built, or are missing or negative, are an error.",
      valueName: "coslat|area|NAME"))
  var weights: WeightKind?

  @OptionGroup var grouping: GroupingOptions

  @Option(
    help:
      "Reduce only DIM's values FROM to TO, both included (dates for time; FROM..TO if they contain colons). Repeatable."
  )
  var sel: [String] = []

  @Option(help: "Reduce only DIM's indices I to J, J excluded. Repeatable.")
  var isel: [String] = []

  @Option(help: "Output type: float32 (for float32 input, the default) or float64.")
  var dtype: String?

  @Option(name: .shortAndLong, help: "The file to write.")
  var output: String?

  @Flag(
    help:
      "Read every unit as the reduction would, compute and write nothing: Floe's own floor for benchmarks (no -o)."
  )
  var readOnly = false

  @OptionGroup var budget: BudgetOptions

  @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions

  @OptionGroup(title: "Progress and reports") var watching: WatchOptionGroup

  func validate() throws {
    if output == nil && !readOnly { throw ValidationError("give the output file with -o") }
    if output != nil && readOnly {
      throw ValidationError("--read-only writes nothing: leave out -o")
    }
    guard !variable.split(separator: ",").isEmpty,
      !variable.split(separator: ",", omittingEmptySubsequences: false).contains("")
    else {
      throw ValidationError("--var '\(variable)' names no variable between two commas")
    }
    guard let op = op ?? (readOnly ? "mean" : nil) else {
      throw ValidationError("give the statistic with --op")
    }
    guard Statistic(name: op) != nil else {
      throw ValidationError(
        "unknown --op '\(op)'; use one of: mean sum min max count var std median pNN (e.g. p95)")
    }
    for text in sel where Selection(sel: text) == nil {
      throw ValidationError("--sel '\(text)' is not DIM=FROM:TO (or DIM=FROM..TO)")
    }
    for text in isel where Selection(isel: text) == nil {
      throw ValidationError("--isel '\(text)' is not DIM=I:J with whole numbers")
    }
    if checkpoints.checkpoint != nil {
      if readOnly { throw ValidationError("--read-only saves nothing: leave out --checkpoint") }
    }
    if let dtype, !["float32", "float64"].contains(dtype) {
      throw ValidationError("--dtype '\(dtype)': use float32 or float64")
    }
  }

  func run(world: Communicator) throws {
    var request = ReduceRequest(
      input: inputs[0], variable: variable, statistic: Statistic(name: op ?? "mean")!,
      over: over?.split(separator: ",").map(String.init), output: output ?? "",
      commandLine: Invocation.commandLine,
      weights: weights,
      grouping: grouping.grouping
    )
    budget.apply(to: &request)
    request.readOnly = readOnly
    request.variables = variable.split(separator: ",").map(String.init)
    request.selections =
      sel.compactMap(Selection.init(sel:)) + isel.compactMap(Selection.init(isel:))
    request.writeFloat64 = dtype == "float64"
    request.moreInputs = Array(inputs.dropFirst())
    request.checkpoint = checkpoints.request
    request.watch = watching.options
    _ = try Reduction.run(request, world: world, log: watching.start())
  }
}

extension WeightKind: ExpressibleByArgument {}
