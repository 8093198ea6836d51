import ArgumentParser
import Floe
import FloeRuntime

/// Parses a memory option (`--memory-per-rank`, `--memory-per-node`), with one message.
func memorySize(_ option: String) -> @Sendable (String) throws -> MemorySize {
  { text in
    guard let size = MemorySize(text), size.bytes > 0 else {
      throw ValidationError("\(option) '\(text)' is not a size such as 512MiB or 2GiB")
    }
    return size
  }
}

/// What every command that writes a reduction takes: its memory budget and --overwrite.
struct BudgetOptions: ParsableArguments {
  @Option(
    help: "Memory for Floe's buffers on each rank, e.g. 512MiB, 2GiB (default: 1GiB).",
    transform: memorySize("--memory-per-rank"))
  var memoryPerRank: MemorySize?

  @Option(
    help: ArgumentHelp(
      "Memory for Floe's buffers on each node, shared by the ranks on it (instead of --memory-per-rank).",
      discussion:
        "Each working rank gets this divided by the working ranks of the node that has the most (rank 0 only schedules), as a batch system's per-node memory (Slurm's --mem) is shared. Either way, the plan is checked against each host's memory (its control group's limit, where lower) and refused, naming the host, if its ranks would need more."
    ),
    transform: memorySize("--memory-per-node"))
  var memoryPerNode: MemorySize?

  @Flag(help: "Replace the output if it exists.")
  var overwrite = false

  func validate() throws {
    if memoryPerRank != nil && memoryPerNode != nil {
      throw ValidationError("give --memory-per-rank or --memory-per-node, not both")
    }
  }

  /// The budget and --overwrite, into a request.
  func apply(to request: inout ReduceRequest) {
    request.memoryPerRank = memoryPerRank ?? ReduceRequest.defaultMemory
    request.memoryPerNode = memoryPerNode
    request.overwrite = overwrite
  }
}

/// `--checkpoint DIR`, how often, and `--resume`: for jobs that a batch system may stop.
struct CheckpointOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Save progress in DIR (an existing directory) as the job goes.",
      discussion:
        "The keeper (rank 0 for median and percentiles, with their finished rows) writes DIR/floe-checkpoint.h5 after every --checkpoint-every supersteps or --checkpoint-seconds seconds, whichever comes first, under a temporary name then renamed, so a crash leaves the previous one valid. It is removed once the output is written.",
      valueName: "DIR"))
  var checkpoint: String?

  @Option(help: "Supersteps between checkpoints.")
  var checkpointEvery = 10

  @Option(help: "Seconds between checkpoints.")
  var checkpointSeconds = 300.0

  @Flag(
    help:
      "Start from the checkpoint in --checkpoint DIR, if there is one, at any rank count: the output is the same bytes as a run never stopped. A checkpoint from another job (other input, request or Floe) is refused, naming what differs."
  )
  var resume = false

  func validate() throws {
    if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint DIR") }
    if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
    if !(checkpointSeconds > 0) { throw ValidationError("--checkpoint-seconds must be positive") }
  }

  var request: CheckpointRequest? {
    checkpoint.map {
      CheckpointRequest(
        directory: $0, everySupersteps: checkpointEvery, everySeconds: checkpointSeconds,
        resume: resume)
    }
  }
}
