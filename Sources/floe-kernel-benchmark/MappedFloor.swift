// The floor for 1 -> 2 workers: `--mapped FILE VAR` maps every stored chunk of VAR (float32,
// chunked along its first dimension, unfiltered) as a worker maps a unit and runs the time
// sums over it into one running total — no merge tree, no MPI, no scheduler — in one
// process, then in two processes at once that take half the chunks each (contiguous halves,
// as Floe's workers hold ranges). What two cores sharing this machine's memory allow a time
// mean of the file, against which Floe's own 1 -> 2 worker efficiency is read.
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

/// Maps `runs` one after the other and folds each into one running total; or, `asFloe`, into
/// a partial of its own (its counts held once when it can, added into its sibling's when the
/// set holds it) merged along the canonical tree, as Floe's workers do.
func foldMapped(
  _ file: MappableFile, _ runs: ArraySlice<(offset: Int, bytes: Int)>, chunk: [Int],
  leaves: Int, asFloe: Bool
) {
  let reducer = Statistic.mean.reducer
  let points = chunk.dropFirst().reduce(1, *)
  var total = reducer.makePartial(points: points)
  var nodes = NodeSet(tree: CanonicalTree(leaves: leaves))
  for (u, run) in zip(runs.indices, runs) {
    guard let region = file.map(offset: run.offset, bytes: run.bytes) else {
      fatalError("cannot map \(run.bytes) bytes at \(run.offset)")
    }
    let block = Block(
      values: .float32(region.bytes.assumingMemoryBound(to: Float.self)), shape: chunk,
      start: chunk.map { _ in 0 }, reduced: [true] + chunk.dropFirst().map { _ in false },
      missing: MissingValues([1e20]))
    withExtendedLifetime(region) {
      guard asFloe else { return reducer.accumulate(block, into: &total) }
      let leaf = TreeNode(tile: 0, level: 0, index: u)
      if nodes.addUnit(block, at: leaf, reducer: reducer as! any AddsWholeUnits) { return }
      // A fresh partial, not zeroed first, folded in place (the worker's reduceWhole).
      let inPlace = reducer as! any ReducesPiecesInPlace
      var partial = inPlace.unsetPartial(points: points, piecesLike: block)!
      inPlace.accumulate(block, into: &partial, atPoint: 0, continuing: false)
      reducer.compact(&partial)
      nodes.insert(leaf, consume partial, reducer: reducer)
    }
  }
  if total.storage.first == 42 || nodes.count == 42 { print(total.storage[0]) }  // keeps the work
}

/// Seconds for `processes` processes at once to fold their share of `runs`, from the first
/// fork to the last exit.
func timeProcesses(
  _ processes: Int, path: String, runs: [(offset: Int, bytes: Int)], chunk: [Int], asFloe: Bool
) -> Double {
  let start = ProcessStats.now()
  var children: [pid_t] = []
  for p in 0..<processes {
    let share = runs.count * p / processes..<runs.count * (p + 1) / processes
    let pid = fork()
    if pid == 0 {
      guard let file = MappableFile(path: path) else { _exit(2) }
      foldMapped(file, runs[share], chunk: chunk, leaves: runs.count, asFloe: asFloe)
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
  let (runs, chunk) = try chunkRuns(path: path, variable: variable)
  let bytes = runs.reduce(0) { $0 + $1.bytes }
  print("\(path): \(runs.count) chunks of \(chunk.map(String.init).joined(separator: " x ")) mapped and time-summed in each process, median of \(repeats), alternating")
  for asFloe in [false, true] {
    var times: [Int: [Double]] = [1: [], 2: []]
    for _ in 0..<repeats {
      for processes in [1, 2] {
        times[processes]!.append(
          timeProcesses(processes, path: path, runs: runs, chunk: chunk, asFloe: asFloe))
      }
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let (one, two) = (median(times[1]!), median(times[2]!))
    print(asFloe ? "a partial per unit, merged along the canonical tree:" : "one running total:")
    for (processes, seconds) in [(1, one), (2, two)] {
      print("  \(processes) process(es): \(Format.decimal(seconds, 3)) s, \(Format.decimal(Double(bytes) / seconds / 1e9, 2)) GB/s")
    }
    print("  1 -> 2 processes: speed-up \(Format.decimal(one / two, 3)), efficiency \(Format.decimal(100 * one / (2 * two), 1)) %")
  }
}
