// The floor for 1 -> 2 workers: `--mapped FILE VAR` maps every stored chunk of VAR (float32,
// chunked along its first dimension, unfiltered) as a worker maps a unit, in one process,
// then in two processes at once that take half the chunks each (contiguous halves, as
// Floe's workers hold ranges), and folds them three ways (`Fold`): a plain sum of the floats,
// the time sums into one running total, and the time sums as a worker does them (its own
// code) — no MPI, no scheduler, no exchange. What two cores sharing this machine's memory
// allow a time mean of the file, against which Floe's own 1 -> 2 worker efficiency is read.
import FloeHDF5
import FloeKernels
import FloeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// Every chunk of `name` in `path` along its first dimension: where its bytes lie, and its shape.
func chunkRuns(path: String, variable name: String) throws
  -> (runs: [(offset: Int, bytes: Int)], chunk: [Int])
{
  let file = try File.open(path)
  let dataset = try file.dataset(name)
  guard let chunk = dataset.chunkShape, Array(chunk.dropFirst()) == Array(dataset.shape.dropFirst())
  else {
    throw BenchmarkError("\(name) in \(path) is not chunked along its first dimension alone")
  }
  var runs: [(offset: Int, bytes: Int)] = []
  for first in stride(from: 0, to: dataset.shape[0] - chunk[0] + 1, by: chunk[0]) {
    let start = [first] + chunk.dropFirst().map { _ in 0 }
    guard let run = try dataset.storedRun(start: start, count: chunk, as: .float32) else {
      throw BenchmarkError("the chunk at step \(first) of \(name) is not one run of float32 bytes")
    }
    runs.append((run.fileOffset, run.bytes))
  }
  return (runs, chunk)
}

struct BenchmarkError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// What each process does with the chunks it maps.
enum Fold: CaseIterable {
  /// Adds up the floats and nothing else: what two cores streaming the page cache allow.
  case plainSum
  /// The time sums into one running total: no tree, no partial per unit.
  case runningTotal
  /// As Floe's workers do (`WholeUnits`): each unit into a partial of its own (counts held
  /// once when it can) or straight into its sibling's, merged along the canonical tree.
  case worker

  var title: String {
    switch self {
    case .plainSum: "a plain sum of the floats (reading only):"
    case .runningTotal: "the time sums, into one running total:"
    case .worker: "the time sums as a worker does them, a partial per unit merged along the canonical tree:"
    }
  }
}

/// Maps `runs` one after the other and folds each as `fold` says.
func foldMapped(
  _ file: MappableFile, _ runs: ArraySlice<(offset: Int, bytes: Int)>, chunk: [Int],
  leaves: Int, fold: Fold
) {
  let reducer = Statistic.mean.reducer
  let points = chunk.dropFirst().reduce(1, *)
  var total = reducer.makePartial(points: points)
  var nodes = NodeSet(tree: CanonicalTree(leaves: leaves))
  var wholeUnits = WholeUnits(reducer: reducer)
  var plain = SIMD16<Float>()
  for (u, run) in zip(runs.indices, runs) {
    guard let region = file.map(offset: run.offset, bytes: run.bytes) else {
      fatalError("cannot map \(run.bytes) bytes at \(run.offset)")
    }
    let block = Block(
      values: .float32(region.bytes.assumingMemoryBound(to: Float.self)), shape: chunk,
      start: chunk.map { _ in 0 }, reduced: [true] + chunk.dropFirst().map { _ in false },
      missing: MissingValues([1e20]))
    withExtendedLifetime(region) {
      switch fold {
      case .plainSum:
        let bytes = region.bytes
        for at in stride(from: 0, to: run.bytes - 63, by: 64) {
          plain += bytes.loadUnaligned(fromByteOffset: at, as: SIMD16<Float>.self)
        }
      case .runningTotal: reducer.accumulate(block, into: &total)
      case .worker:
        let leaf = TreeNode(tile: 0, level: 0, index: u)
        if let partial = wholeUnits.reduce(block, leaf: leaf, into: &nodes) {
          wholeUnits.insert(partial, leaf: leaf, into: &nodes)
        }
      }
    }
  }
  // Keeps the work from being optimised away.
  if total.storage.first == 42 || nodes.count == 42 || plain.sum() == 42 { print(plain) }
}

/// Seconds for `processes` processes at once to fold their share of `runs`, from the first
/// fork to the last exit.
func timeProcesses(
  _ processes: Int, path: String, runs: [(offset: Int, bytes: Int)], chunk: [Int], fold: Fold
) -> Double {
  let start = ProcessStats.now()
  var children: [pid_t] = []
  for p in 0..<processes {
    let share = runs.count * p / processes..<runs.count * (p + 1) / processes
    let pid = fork()
    if pid == 0 {
      guard let file = MappableFile(path: path) else { _exit(2) }
      foldMapped(file, runs[share], chunk: chunk, leaves: runs.count, fold: fold)
      _exit(0)
    }
    children.append(pid)
  }
  for pid in children {
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }
  return ProcessStats.now() - start
}

func mappedFloor(path: String, variable: String, repeats: Int) throws {
  Allocator.keepFreedMemory()  // as `floe` does: freed partials reused, not faulted in again
  let (runs, chunk) = try chunkRuns(path: path, variable: variable)
  let bytes = runs.reduce(0) { $0 + $1.bytes }
  print("\(path): \(runs.count) chunks of \(chunk.map(String.init).joined(separator: " x ")) mapped in each process, median of \(repeats), alternating")
  for fold in Fold.allCases {
    var times: [Int: [Double]] = [1: [], 2: []]
    for _ in 0..<repeats {
      for processes in [1, 2] {
        times[processes]!.append(
          timeProcesses(processes, path: path, runs: runs, chunk: chunk, fold: fold))
      }
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let (one, two) = (median(times[1]!), median(times[2]!))
    print(fold.title)
    for (processes, seconds) in [(1, one), (2, two)] {
      print("  \(processes) process(es): \(Format.decimal(seconds, 3)) s, \(Format.decimal(Double(bytes) / seconds / 1e9, 2)) GB/s")
    }
    print("  1 -> 2 processes: speed-up \(Format.decimal(one / two, 3)), efficiency \(Format.decimal(100 * one / (2 * two), 1)) %")
  }
}
