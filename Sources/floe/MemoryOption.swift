import ArgumentParser
import Floe
import FloeRuntime

/// Parses `--memory-per-rank` for every command, with one message.
func memorySize(_ text: String) throws -> MemorySize {
  guard let size = MemorySize(text), size.bytes > 0 else {
    throw ValidationError("--memory-per-rank '\(text)' is not a size such as 512MiB or 2GiB")
  }
  return size
}

/// What every command that writes a reduction takes: its memory budget and --overwrite.
struct BudgetOptions: ParsableArguments {
  @Option(
    help: "Memory for Floe's buffers on each rank, e.g. 512MiB, 2GiB (default: 1GiB).",
    transform: memorySize)
  var memoryPerRank: MemorySize = ReduceRequest.defaultMemory

  @Flag(help: "Replace the output if it exists.")
  var overwrite = false
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
