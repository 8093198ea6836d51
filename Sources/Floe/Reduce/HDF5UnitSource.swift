import FloeHDF5
import FloeKernels
import FloeMPI
import FloeRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// A worker's reader: the input opened through MPI-IO on the workers' communicator, each
/// unit read independently as one chunk-aligned hyperslab. Several files along the record
/// dimension read as one variable: a unit that spans two files is read in two pieces.
final class HDF5UnitSource: UnitSource {
  /// The first file in time order, whose coordinates and attributes the output carries.
  let file: File
  /// The files after the first, in time order.
  let others: [OpenFile]
  /// Each variable's dataset in each file: `datasets[variable][file]`.
  private var datasets: [[OpenDataset]]
  /// The record index at which each file starts (the first at 0).
  let fileStarts: [Int]
  let setup: ReductionSetup
  let path: String
  /// Compressed chunks are decoded by Floe (`ChunkDecoder`) unless the environment says
  /// `FLOE_CHUNK_DECODING=hdf5` (to compare the two, or to step around a doubt).
  private let chunkDecoder: ChunkDecoder? =
    getenv("FLOE_CHUNK_DECODING").map { String(cString: $0) } == "hdf5" ? nil : ChunkDecoder()
  /// Each input file opened for mapping, at the first block that could be mapped (nil: it
  /// cannot be, so its blocks are read); none at all when the environment says
  /// `FLOE_MAPPED_READS=off` (to compare, or to step around a file system that cannot map).
  private var mappable: [MappableFile?]?
  private let paths: [String]

  /// Collective over `communicator`.
  init(path: String, variable: String, setup: ReductionSetup, communicator: Communicator) throws {
    let paths = setup.files.isEmpty ? [path] : setup.files
    self.paths = paths
    if getenv("FLOE_MAPPED_READS").map({ String(cString: $0) }) == "off" { mappable = [] }
    // Independent metadata: each worker finds its own chunks.
    file = try File.open(paths[0], communicator: communicator, collectiveMetadata: false)
    others = try paths.dropFirst().map {
      OpenFile(try File.open($0, communicator: communicator, collectiveMetadata: false))
    }
    // Nothing is cached: every chunk is read once, whole.
    let names = setup.variables.isEmpty ? [variable] : setup.variables.map(\.name)
    var datasets: [[OpenDataset]] = []
    for name in names {
      var perFile = [OpenDataset(try file.dataset(name, chunkCache: .disabled))]
      for other in others {
        perFile.append(OpenDataset(try other.file.dataset(name, chunkCache: .disabled)))
      }
      datasets.append(perFile)
    }
    self.datasets = datasets
    fileStarts =
      setup.fileSteps.isEmpty
      ? [0] : setup.fileSteps.indices.map { setup.fileSteps[..<$0].reduce(0, +) }
    self.setup = setup
    self.path = paths.count == 1 ? paths[0] : "\(paths[0]) and \(paths.count - 1) more file(s)"
  }

  deinit {
    datasets = []  // datasets close before their files
  }

  var readsFloat32: Bool { setup.readsFloat32 }
  var readsPartsCheaply: Bool {
    datasets.allSatisfy { $0.allSatisfy { $0.dataset.partsReadAlone } }
  }
  var decoding: CFDecoding { setup.decoding }
  func decoding(ofBlockAt start: [Int]) -> CFDecoding {
    setup.variableAxes == 1 ? setup.variables[start[0]].decoding : setup.decoding
  }
  var dimensionNames: [String] {
    (setup.variableAxes == 1 ? ["variable"] : []) + setup.dimensionNames
  }
  var description: String {
    "\(datasets.map { "'\($0[0].dataset.name)'" }.joined(separator: ", ")) in \(path)"
  }

  /// The element type reads give: float32 stays float32, everything else is float64.
  private var element: ElementType { setup.readsFloat32 ? .float32 : .float64 }

  /// A plan block in the variables' own coordinates: the leading index picks the variable
  /// when there are several, and the plan counts from the selection's origin.
  private func inVariable(start: [Int], count: [Int]) -> (variable: Int, start: [Int], count: [Int])
  {
    (
      setup.variableAxes == 1 ? start[0] : 0,
      zip(start.dropFirst(setup.variableAxes), setup.origin).map { $0 + $1 },
      Array(count.dropFirst(setup.variableAxes))
    )
  }

  /// The file that holds record `step` of the files read as one.
  private func file(holding step: Int) -> Int { fileStarts.lastIndex { $0 <= step } ?? 0 }

  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws {
    let (variable, start, count) = inVariable(start: start, count: count)
    let datasets = self.datasets[variable]
    guard datasets.count > 1 else {
      return try read(datasets[0].dataset, start: start, count: count, into: buffer)
    }
    // Time is the outermost dimension: each file's part is a contiguous slice of the buffer.
    let bytesPerStep = count.dropFirst().reduce(element.size, *)
    var step = start[0]
    let end = start[0] + count[0]
    while step < end {
      let f = file(holding: step)
      let fileEnd = f + 1 < fileStarts.count ? fileStarts[f + 1] : end
      let steps = min(end, fileEnd) - step
      var pieceStart = start
      pieceStart[0] = step - fileStarts[f]
      var pieceCount = count
      pieceCount[0] = steps
      let offset = (step - start[0]) * bytesPerStep
      let piece = UnsafeMutableRawBufferPointer(
        rebasing: buffer[offset..<(offset + steps * bytesPerStep)])
      try read(datasets[f].dataset, start: pieceStart, count: pieceCount, into: piece)
      step += steps
    }
  }

  func mapped(start: [Int], count: [Int]) throws -> MappedRegion? {
    guard mappable?.isEmpty != true else { return nil }
    var (variable, start, count) = inVariable(start: start, count: count)
    // The file the block starts in; a block across two files is read.
    let f = file(holding: start[0])
    if f + 1 < fileStarts.count && start[0] + count[0] > fileStarts[f + 1] { return nil }
    start[0] -= fileStarts[f]
    guard
      let run = try datasets[variable][f].dataset.storedRun(
        start: start, count: count, as: element)
    else { return nil }
    if mappable == nil { mappable = paths.map { MappableFile(path: $0) } }
    return mappable?[f]?.map(offset: run.fileOffset, bytes: run.bytes)
  }

  private func read(
    _ dataset: borrowing Dataset, start: [Int], count: [Int],
    into buffer: UnsafeMutableRawBufferPointer
  ) throws {
    if let chunkDecoder, ChunkDecoder.canDecode(dataset, as: element) {
      try chunkDecoder.read(dataset, as: element, start: start, count: count, into: buffer)
    } else {
      try dataset.read(into: buffer, as: element, start: start, count: count)
    }
  }
}

/// An open dataset held by reference.
final class OpenDataset {
  let dataset: Dataset
  init(_ dataset: consuming Dataset) { self.dataset = dataset }
}
