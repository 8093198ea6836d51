import FloeHDF5
import FloeKernels
import FloeMPI
import FloeRuntime

/// A worker's reader: the input opened through MPI-IO on the workers' communicator, each
/// unit read independently as one chunk-aligned hyperslab.
final class HDF5UnitSource: UnitSource {
  let file: File
  let dataset: Dataset
  let setup: ReductionSetup
  let path: String

  /// Collective over `communicator`.
  init(path: String, variable: String, setup: ReductionSetup, communicator: Communicator) throws {
    // Independent metadata: each worker finds its own chunks.
    file = try File.open(path, communicator: communicator, collectiveMetadata: false)
    // Nothing is cached: every chunk is read once, whole.
    dataset = try file.dataset(variable, chunkCache: .none)
    self.setup = setup
    self.path = path
  }

  var readsFloat32: Bool { setup.readsFloat32 }
  var decoding: CFDecoding { setup.decoding }
  var dimensionNames: [String] { setup.dimensionNames }
  var description: String { "'\(dataset.name)' in \(path)" }

  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws {
    let start = zip(start, setup.origin).map { $0 + $1 }  // the plan counts from the selection
    if setup.readsFloat32 {
      try dataset.read(into: buffer.bindMemory(to: Float.self), start: start, count: count)
    } else {
      try dataset.read(into: buffer.bindMemory(to: Double.self), start: start, count: count)
    }
  }
}
