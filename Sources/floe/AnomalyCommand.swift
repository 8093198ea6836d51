import ArgumentParser
import Floe
import FloeMPI

struct AnomalyCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "anomaly",
    abstract: "Each value minus its climatology (e.g. the mean of its month), full size.",
    discussion: """
      Two passes on the BSP runtime: the climatology of --by (or --resample), then every worker writes the anomalies of its units into the output, which the workers create and write together through parallel HDF5. The output has the input's dimensions, coordinates and chunking, uncompressed; missing input values stay missing. Byte-identical for any number of ranks. As CDO's ymonsub of ymonmean. With --checkpoint, the climatology pass saves as floe reduce does, and the anomaly pass saves the climatology and the units written into the half-written output, which stays (under its temporary name, next to the output) for --resume.
      """
  )

  @Argument(
    help:
      "The input netCDF-4 / HDF5 file, or several that continue one another along the record dimension (any order)."
  )
  var inputs: [String]

  @Option(name: .customLong("var"), help: "The variable.")
  var variable: String

  @OptionGroup var grouping: GroupingOptions

  @Option(name: .shortAndLong, help: "The file to write.")
  var output: String

  @OptionGroup var budget: BudgetOptions

  @OptionGroup(title: "Checkpoints") var checkpoints: CheckpointOptions

  @OptionGroup(title: "Progress and reports") var watching: WatchOptionGroup

  func validate() throws {
    guard grouping.by != nil || grouping.resample != nil else {
      throw ValidationError("give one of --by and --resample")
    }
  }

  func run(world: Communicator) throws {
    var request = ReduceRequest(
      input: inputs[0], variable: variable, statistic: .mean, output: output,
      commandLine: Invocation.commandLine,
      grouping: grouping.grouping)
    budget.apply(to: &request)
    request.moreInputs = Array(inputs.dropFirst())
    request.checkpoint = checkpoints.request
    request.watch = watching.options
    _ = try Anomaly.run(request, world: world, log: watching.start())
  }
}
