import FloeHDF5
import FloeKernels
import FloeMPI
import FloeRuntime

/// A worker's reader: the input opened through MPI-IO on the workers' communicator, each
/// unit read independently as one chunk-aligned hyperslab. Several files along the record
/// dimension read as one variable: a unit that spans two files is read in two pieces.
final class HDF5UnitSource: UnitSource {
  /// The first file in time order, whose coordinates and attributes the output carries.
  let file: File
  let dataset: Dataset
  /// The files after the first, in time order.
  let others: [OpenVariable]
  /// The record index at which each file starts (the first at 0).
  let fileStarts: [Int]
  let setup: ReductionSetup
  let path: String

  /// Collective over `communicator`.
  init(path: String, variable: String, setup: ReductionSetup, communicator: Communicator) throws {
    let paths = setup.files.isEmpty ? [path] : setup.files
    // Independent metadata: each worker finds its own chunks.
    file = try File.open(paths[0], communicator: communicator, collectiveMetadata: false)
    // Nothing is cached: every chunk is read once, whole.
    dataset = try file.dataset(variable, chunkCache: .none)
    others = try paths.dropFirst().map {
      let other = try File.open($0, communicator: communicator, collectiveMetadata: false)
      let dataset = try other.dataset(variable, chunkCache: .none)
      return OpenVariable(other, dataset)
    }
    fileStarts =
      setup.fileSteps.isEmpty
      ? [0] : setup.fileSteps.indices.map { setup.fileSteps[..<$0].reduce(0, +) }
    self.setup = setup
    self.path = paths.count == 1 ? paths[0] : "\(paths[0]) and \(paths.count - 1) more file(s)"
  }

  var readsFloat32: Bool { setup.readsFloat32 }
  var decoding: CFDecoding { setup.decoding }
  var dimensionNames: [String] { setup.dimensionNames }
  var description: String { "'\(dataset.name)' in \(path)" }

  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws {
    let start = zip(start, setup.origin).map { $0 + $1 }  // the plan counts from the selection
    guard !others.isEmpty else {
      return try read(dataset, start: start, count: count, into: buffer)
    }
    // Time is the outermost dimension: each file's part is a contiguous slice of the buffer.
    let bytesPerStep = count.dropFirst().reduce(setup.readsFloat32 ? 4 : 8, *)
    var step = start[0]
    let end = start[0] + count[0]
    while step < end {
      let f = fileStarts.lastIndex { $0 <= step } ?? 0
      let fileEnd = f + 1 < fileStarts.count ? fileStarts[f + 1] : end
      let steps = min(end, fileEnd) - step
      var pieceStart = start
      pieceStart[0] = step - fileStarts[f]
      var pieceCount = count
      pieceCount[0] = steps
      let offset = (step - start[0]) * bytesPerStep
      let piece = UnsafeMutableRawBufferPointer(
        rebasing: buffer[offset..<(offset + steps * bytesPerStep)])
      if f == 0 {
        try read(dataset, start: pieceStart, count: pieceCount, into: piece)
      } else {
        try read(others[f - 1].dataset, start: pieceStart, count: pieceCount, into: piece)
      }
      step += steps
    }
  }

  private func read(
    _ dataset: borrowing Dataset, start: [Int], count: [Int],
    into buffer: UnsafeMutableRawBufferPointer
  ) throws {
    if setup.readsFloat32 {
      try dataset.read(into: buffer.bindMemory(to: Float.self), start: start, count: count)
    } else {
      try dataset.read(into: buffer.bindMemory(to: Double.self), start: start, count: count)
    }
  }
}

/// An open file and one of its variables, held by reference.
final class OpenVariable {
  let file: File
  let dataset: Dataset
  init(_ file: consuming File, _ dataset: consuming Dataset) {
    self.file = file
    self.dataset = dataset
  }
}
