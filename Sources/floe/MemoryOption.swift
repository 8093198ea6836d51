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
