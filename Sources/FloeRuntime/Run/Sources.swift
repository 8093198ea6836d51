public import FloeHDF5
public import FloeKernels

/// Where a worker's units come from.
public protocol UnitSource {
  /// Whether reads are float32 (else float64).
  var readsFloat32: Bool { get }
  /// How stored values become physical ones (missing values, valid range, unpacking).
  var decoding: CFDecoding { get }
  /// How to decode the block at `start` (several variables read in one pass decode each
  /// their own way); by default `decoding`.
  func decoding(ofBlockAt start: [Int]) -> CFDecoding
  /// Whether reading part of a unit costs only its bytes (false for compressed chunks,
  /// which would be decompressed whole for every part). By default true.
  var readsPartsCheaply: Bool { get }
  /// Dimension names, for messages.
  var dimensionNames: [String] { get }
  /// "'tas' in /path/file.nc", for messages.
  var description: String { get }
  /// Reads the block at `start` of extent `count` into `buffer` (float32 or float64, as
  /// `readsFloat32` says), row-major.
  func read(start: [Int], count: [Int], into buffer: UnsafeMutableRawBufferPointer) throws
  /// The block at `start` of extent `count` straight from the file's pages, without a copy
  /// (values as `read` would give them, before decoding), where the file stores it as one
  /// run of them; else nil, and the block is read. By default nil.
  func mapped(start: [Int], count: [Int]) throws -> MappedRegion?
}

extension UnitSource {
  public func decoding(ofBlockAt start: [Int]) -> CFDecoding { decoding }
  public var readsPartsCheaply: Bool { true }
  public func mapped(start: [Int], count: [Int]) throws -> MappedRegion? { nil }
}

/// Where results go; used on the keeper only, once all units are merged.
public protocol ResultSink {
  /// Stores one tile's values at `start` of extent `count` in the output (kept dimensions).
  mutating func write(start: [Int], count: [Int], values: [Double]) throws
  /// Makes the output visible under its real name.
  mutating func commit() throws
  /// Removes whatever was written.
  mutating func discard()
}
