import ArgumentParser
import Floe
import FloeHDF5
import FloeMPI
import FloeRuntime

struct InfoCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Show dimensions, variables, attributes and storage of netCDF-4 / HDF5 files.",
    discussion: """
      Prints what `ncdump -h` shows, plus how each variable is stored: layout, chunk shape, filters, bytes on disk and chunks stored. With --plan, prints instead the plan `floe reduce` would make for --var, --op and --memory-per-rank on --ranks ranks (units, supersteps, memory per rank), reading only metadata: to see memory and supersteps before queueing a job. Under mpirun only rank 0 reads and prints.
      """
  )

  @Argument(
    help: "The files to describe (for --plan: the input, or files that continue one another).")
  var files: [String]

  @Flag(help: "Print the plan of a reduction instead of the files' contents.")
  var plan = false

  @Option(name: .customLong("var"), help: "--plan: the variable.")
  var variable: String?

  @Option(help: "--plan: the statistic (as floe reduce's --op).")
  var op = "mean"

  @Option(help: "--plan: dimensions to reduce, comma-separated (default: the record dimension).")
  var over: String?

  @OptionGroup var grouping: GroupingOptions

  @Option(
    help: "--plan: memory for Floe's buffers on each rank (default: 1GiB).",
    transform: memorySize("--memory-per-rank"))
  var memoryPerRank: MemorySize?

  @Option(
    help:
      "--plan: memory for Floe's buffers on each node, shared by its ranks (instead of --memory-per-rank).",
    transform: memorySize("--memory-per-node"))
  var memoryPerNode: MemorySize?

  @Option(help: "--plan: ranks on each node, for --memory-per-node (default: all on one).")
  var ranksPerNode: Int?

  @Option(help: "--plan: the number of ranks to plan for (default: this run's).")
  var ranks: Int?

  func validate() throws {
    if plan {
      guard variable != nil else { throw ValidationError("--plan needs --var") }
      guard Statistic(name: op) != nil else { throw ValidationError("unknown --op '\(op)'") }
      if let ranks, ranks < 1 { throw ValidationError("--ranks must be at least 1") }
      if let ranksPerNode, ranksPerNode < 1 {
        throw ValidationError("--ranks-per-node must be at least 1")
      }
      if memoryPerRank != nil && memoryPerNode != nil {
        throw ValidationError("give --memory-per-rank or --memory-per-node, not both")
      }
    } else if variable != nil || over != nil || ranks != nil {
      throw ValidationError("--var, --over and --ranks go with --plan")
    }
  }

  func run(world: Communicator) throws {
    _ = try Agreement.rankZero(world) {
      if plan {
        var request = ReduceRequest(
          input: files[0], variable: variable ?? "", statistic: Statistic(name: op)!,
          over: over?.split(separator: ",").map(String.init), output: "",
          memoryPerRank: memoryPerRank ?? ReduceRequest.defaultMemory,
          grouping: grouping.grouping)
        request.memoryPerNode = memoryPerNode
        request.variables = (variable ?? "").split(separator: ",").map(String.init)
        request.moreInputs = Array(files.dropFirst())
        print(
          try Reduction.planText(request, ranks: ranks ?? world.size, ranksPerNode: ranksPerNode))
        return
      }
      for (n, path) in files.enumerated() {
        let file = try File.open(path)
        if n > 0 { print() }
        print(FileReport.text(try file.describe()), terminator: "")
      }
    }
  }
}
