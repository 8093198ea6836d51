import ArgumentParser
import FloeRuntime

/// Parses `--memory-per-rank` for every command, with one message.
func memorySize(_ text: String) throws -> MemorySize {
  guard let size = MemorySize(text), size.bytes > 0 else {
    throw ValidationError("--memory-per-rank '\(text)' is not a size such as 512MiB or 2GiB")
  }
  return size
}
