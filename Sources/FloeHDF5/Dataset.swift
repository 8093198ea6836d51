internal import CHDF5

/// How a read or write moves data between ranks and the file.
public enum Transfer: Sendable {
  /// Each rank on its own (MPI-IO independent).
  case independent
  /// All ranks of the file's communicator together; every rank must make the call,
  /// with an empty selection if it has nothing to move (MPI-IO collective).
  case collective
}

/// How a dataset's bytes are laid out in the file.
public enum Layout: String, Sendable {
  case compact, contiguous, chunked, virtual
}

/// One filter in a dataset's pipeline (deflate, shuffle, fletcher32, ...).
public struct Filter: Sendable, Equatable {
  /// HDF5's filter identifier (1 deflate, 2 shuffle, 3 fletcher32, 4 szip, ...).
  public var id: Int
  /// The name HDF5 stores (or a known name).
  public var name: String
  /// The filter's parameters (deflate: the level).
  public var parameters: [UInt32]
}

/// What a direct chunk read returned.
public struct StoredChunk: Sendable {
  /// Bytes of the chunk as stored (compressed size for filtered datasets).
  public var bytes: Int
  /// Bit i set: filter i of the pipeline was skipped for this chunk.
  public var filterMask: UInt32
}

/// An open dataset (a netCDF variable) with its metadata read once at open.
/// Closed when it goes out of scope.
public struct Dataset: ~Copyable {
  let handle: Handle
  /// The dataset's name in its group.
  public let name: String
  /// The file's path, for messages.
  public let file: String
  /// What the elements are.
  public let dataType: DataType
  /// The current extent of each dimension.
  public let shape: [Int]
  /// The largest extent of each dimension; nil for unlimited.
  public let maxShape: [Int?]
  public let layout: Layout
  /// The storage chunk shape, for chunked datasets.
  public let chunkShape: [Int]?
  public let filters: [Filter]
  /// Whether a part of a chunk reads alone, without the rest: no filters (a compressed
  /// chunk is decoded whole, whatever part of it is asked for).
  public var partsReadAlone: Bool { filters.isEmpty }
  /// The fill value HDF5 stores for the dataset, in its own type, if one is defined.
  public let fillValue: NumericArray?
  /// Whether the elements are stored little-endian, as they are in memory here.
  public let storedLittleEndian: Bool

  init(handle: consuming Handle, name: String, file: String) throws {
    let metadata = try Metadata(id: handle.id, name: name, file: file)
    self.init(handle: handle, name: name, file: file, metadata: metadata)
  }

  private init(handle: consuming Handle, name: String, file: String, metadata: Metadata) {
    self.handle = handle
    self.name = name
    self.file = file
    dataType = metadata.dataType
    shape = metadata.shape
    maxShape = metadata.maxShape
    layout = metadata.layout
    chunkShape = metadata.chunkShape
    filters = metadata.filters
    fillValue = metadata.fillValue
    storedLittleEndian = metadata.storedLittleEndian
  }

  /// Everything read once at open, before the noncopyable value exists.
  private struct Metadata {
    var dataType: DataType
    var shape: [Int]
    var maxShape: [Int?]
    var layout: Layout
    var chunkShape: [Int]?
    var filters: [Filter]
    var fillValue: NumericArray?
    var storedLittleEndian: Bool

    init(id: hid_t, name: String, file: String) throws {
      let type = try Handle(
        H5Dget_type(id), .readFailed, "cannot read type", file: file, object: name)
      dataType = DataType(typeID: type.id)
      storedLittleEndian = H5Tget_order(type.id) == H5T_ORDER_LE
      let space = try Handle(
        H5Dget_space(id), .readFailed, "cannot read shape", file: file, object: name)
      let rank = Int(H5Sget_simple_extent_ndims(space.id))
      var current = [hsize_t](repeating: 0, count: max(rank, 1))
      var maximum = [hsize_t](repeating: 0, count: max(rank, 1))
      _ = H5Sget_simple_extent_dims(space.id, &current, &maximum)
      shape = current.prefix(rank).map { Int($0) }
      maxShape = maximum.prefix(rank).map { $0 == floe_h5s_unlimited() ? nil : Int($0) }
      let creation = try Handle(
        H5Dget_create_plist(id), .readFailed, "cannot read layout", file: file, object: name)
      switch H5Pget_layout(creation.id) {
      case H5D_COMPACT: layout = .compact
      case H5D_CHUNKED: layout = .chunked
      case H5D_VIRTUAL: layout = .virtual
      default: layout = .contiguous
      }
      if layout == .chunked {
        var chunk = [hsize_t](repeating: 0, count: max(rank, 1))
        _ = H5Pget_chunk(creation.id, Int32(rank), &chunk)
        chunkShape = chunk.prefix(rank).map { Int($0) }
      } else {
        chunkShape = nil
      }
      filters = Dataset.readFilters(creation.id)
      var defined = H5D_FILL_VALUE_UNDEFINED
      _ = H5Pfill_value_defined(creation.id, &defined)
      if case .numeric(let element) = dataType, defined == H5D_FILL_VALUE_USER_DEFINED {
        fillValue = try NumericArray.fromBytes(element, count: 1) { buffer in
          _ = try check(
            H5Pget_fill_value(creation.id, element.nativeType, buffer), .readFailed,
            "cannot read fill value", file: file, object: name)
        }
      } else {
        fillValue = nil
      }
    }
  }

  /// The element type, or an error naming the variable if it is not numeric.
  public func numericType() throws -> ElementType {
    guard case .numeric(let element) = dataType else {
      throw HDF5Error(
        .unsupportedType, "has type \(dataType); Floe reduces numeric variables only",
        file: file, object: name)
    }
    return element
  }

  /// Number of elements.
  public var count: Int { shape.reduce(1, *) }

  /// Bytes the data occupies in the file (after compression). Wraps `H5Dget_storage_size`.
  public var storageSize: Int { Int(H5Dget_storage_size(handle.id)) }

  /// How many chunks have been written. Wraps `H5Dget_num_chunks`.
  public func storedChunkCount() throws -> Int {
    guard layout == .chunked else { return 0 }
    let space = try Handle(
      H5Dget_space(handle.id), .readFailed, "cannot read shape", file: file, object: name)
    var n: hsize_t = 0
    _ = try check(
      H5Dget_num_chunks(handle.id, space.id, &n), .readFailed, "cannot count chunks", file: file,
      object: name)
    return Int(n)
  }

  /// The attributes the user sees (reserved ones left out), in creation order.
  public func attributes() throws -> [Attribute] {
    try AttributeIO.readAll(of: handle.id, file: file, object: name)
  }

  /// One attribute, or nil.
  public func attribute(_ attribute: String) throws -> AttributeValue? {
    try AttributeIO.readIfPresent(attribute, of: handle.id, file: file, object: name)
  }

  /// Writes an attribute. Collective in parallel: every rank passes the same value.
  public func setAttribute(_ attribute: String, _ value: AttributeValue) throws {
    try AttributeIO.write(attribute, value, to: handle.id, file: file)
  }

  /// Reads the block at `start` of extent `count` into `buffer`, converting to `T` if the
  /// file's type differs. An empty `count` product is allowed (a collective no-op for this
  /// rank). Wraps `H5Dread` with a hyperslab selection.
  public func read<T: HDF5Scalar>(
    into buffer: UnsafeMutableBufferPointer<T>, start: [Int], count: [Int],
    transfer: Transfer = .independent
  ) throws {
    try read(
      into: UnsafeMutableRawBufferPointer(buffer), as: T.elementType, start: start, count: count,
      transfer: transfer)
  }

  /// The same into memory that holds elements of `element`, chosen at run time.
  public func read(
    into buffer: UnsafeMutableRawBufferPointer, as element: ElementType, start: [Int],
    count: [Int], transfer: Transfer = .independent
  ) throws {
    // A size that is no whole number of elements matches no block.
    let elements = buffer.count % element.size == 0 ? buffer.count / element.size : -1
    try withSelection(
      start: start, count: count, elements: elements, transfer: transfer, for: "read"
    ) {
      memory, fileSpace, transferList in
      _ = try check(
        H5Dread(
          handle.id, element.nativeType, memory, fileSpace, transferList, buffer.baseAddress),
        .readFailed, "cannot read \(Self.describe(start: start, count: count))", file: file,
        object: name)
    }
  }

  /// Reads a block into a new array.
  public func read<T: HDF5Scalar>(
    _ type: T.Type = T.self, start: [Int], count: [Int], transfer: Transfer = .independent
  ) throws -> [T] {
    let n = count.reduce(1, *)
    return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      try read(into: buffer, start: start, count: count, transfer: transfer)
      initialized = n
    }
  }

  /// Reads the whole dataset.
  public func readAll<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> [T] {
    try read(T.self, start: shape.map { _ in 0 }, count: shape)
  }

  /// Writes `buffer` to the block at `start` of extent `count`. Wraps `H5Dwrite`.
  public func write<T: HDF5Scalar>(
    _ buffer: UnsafeBufferPointer<T>, start: [Int], count: [Int], transfer: Transfer = .independent
  ) throws {
    try withSelection(
      start: start, count: count, elements: buffer.count, transfer: transfer, for: "write"
    ) {
      memory, fileSpace, transferList in
      _ = try check(
        H5Dwrite(
          handle.id, T.elementType.nativeType, memory, fileSpace, transferList,
          UnsafeRawPointer(buffer.baseAddress)),
        .writeFailed, "cannot write \(Self.describe(start: start, count: count))", file: file,
        object: name)
    }
  }

  /// Writes the whole dataset from an array.
  public func writeAll<T: HDF5Scalar>(_ values: [T]) throws {
    try values.withUnsafeBufferPointer {
      try write($0, start: shape.map { _ in 0 }, count: shape)
    }
  }

  /// Bytes the chunk at `offset` (a chunk's first element) occupies in the file.
  /// Wraps `H5Dget_chunk_storage_size`.
  public func storedChunkSize(at offset: [Int]) throws -> Int {
    var o = offset.map { hsize_t($0) }
    var size: hsize_t = 0
    _ = try check(
      H5Dget_chunk_storage_size(handle.id, &o, &size), .readFailed,
      "cannot find the chunk at \(offset)", file: file, object: name)
    return Int(size)
  }

  /// Where the chunk at `offset` lies in the file: its byte offset and stored size; for a
  /// chunk never written (the fill value), offset -1 and 0 bytes.
  /// Wraps `H5Dget_chunk_info_by_coord`.
  public func storedChunkLocation(at offset: [Int]) throws -> (fileOffset: Int, bytes: Int) {
    var o = offset.map { hsize_t($0) }
    var mask: UInt32 = 0
    var address: haddr_t = 0
    var size: hsize_t = 0
    _ = try check(
      H5Dget_chunk_info_by_coord(handle.id, &o, &mask, &address, &size), .readFailed,
      "cannot find the chunk at \(offset)", file: file, object: name)
    return address == floe_haddr_undef() ? (-1, 0) : (Int(address), Int(size))
  }

  /// Reads the stored bytes of the chunk at `offset`, still filtered (compressed), into
  /// `buffer`, which must hold `storedChunkSize(at:)` bytes. Wraps `H5Dread_chunk`.
  public func readStoredChunk(at offset: [Int], into buffer: UnsafeMutableRawBufferPointer) throws
    -> StoredChunk
  {
    let size = try storedChunkSize(at: offset)
    return StoredChunk(
      bytes: size, filterMask: try readStoredChunk(at: offset, bytes: size, into: buffer))
  }

  /// The same for a chunk whose stored size is known; returns its filter mask.
  func readStoredChunk(
    at offset: [Int], bytes size: Int, into buffer: UnsafeMutableRawBufferPointer
  )
    throws -> UInt32
  {
    guard buffer.count >= size else {
      throw HDF5Error(
        .invalidSelection, "buffer of \(buffer.count) bytes for a stored chunk of \(size)",
        file: file, object: name)
    }
    var o = offset.map { hsize_t($0) }
    var mask: UInt32 = 0
    _ = try check(
      H5Dread_chunk(handle.id, defaultList, &o, &mask, buffer.baseAddress), .readFailed,
      "cannot read the chunk at \(offset)", file: file, object: name)
    return mask
  }

  /// Whether this dataset is an HDF5 dimension scale (a netCDF dimension).
  /// Wraps `H5DSis_scale`.
  public var isDimensionScale: Bool { H5DSis_scale(handle.id) > 0 }

  /// Whether this is a dimension without values: netCDF's "This is a netCDF dimension but
  /// not a netCDF variable" scale, which `ncdump` does not list as a variable.
  public var isDimensionOnly: Bool {
    guard isDimensionScale, case .text(let s)? = try? attributeRaw("NAME") else { return false }
    return s.hasPrefix(NetCDF.dimensionOnlyPrefix)
  }

  /// The netCDF dimension names of each axis, from the dimension scales attached to it
  /// (`DIMENSION_LIST`); an axis with none gets `phony_dim_N`, as netCDF-C names it.
  /// A dimension scale's own axis is itself. Wraps `H5DSiterate_scales`.
  public func dimensionNames() throws -> [String] {
    if isDimensionScale && shape.count == 1 { return [name] }
    return try (0..<shape.count).map { axis in
      guard H5DSget_num_scales(handle.id, UInt32(axis)) > 0 else {
        _ = HDF5Library.takeErrorStack()
        return "phony_dim_\(axis)"
      }
      final class Found { var name: String? }
      let found = Found()
      var index: Int32 = 0
      let visitor: H5DS_iterate_t = { _, _, scale, context in
        guard let context else { return 1 }
        let length = H5Iget_name(scale, nil, 0)
        guard length > 0 else { return 1 }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        _ = H5Iget_name(scale, &buffer, buffer.count)
        let path = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        Unmanaged<Found>.fromOpaque(context).takeUnretainedValue().name =
          path.split(separator: "/").last.map(String.init) ?? path
        return 1  // the first scale names the dimension
      }
      _ = try check(
        H5DSiterate_scales(
          handle.id, UInt32(axis), &index, visitor,
          Unmanaged.passUnretained(found).toOpaque()),
        .readFailed, "cannot read the dimension scales of axis \(axis)", file: file, object: name)
      return found.name ?? "phony_dim_\(axis)"
    }
  }

  /// An attribute including the reserved ones (NAME, CLASS, ...).
  func attributeRaw(_ attribute: String) throws -> AttributeValue? {
    try AttributeIO.readIfPresent(attribute, of: handle.id, file: file, object: name)
  }

  // MARK: Selections

  /// Makes the memory and file dataspaces and the transfer list of one hyperslab.
  private func withSelection(
    start: [Int], count: [Int], elements: Int, transfer: Transfer, for verb: String,
    _ body: (hid_t, hid_t, hid_t) throws -> Void
  ) throws {
    guard start.count == shape.count, count.count == shape.count else {
      throw HDF5Error(
        .invalidSelection,
        "cannot \(verb) a \(start.count)-D block of a \(shape.count)-D variable", file: file,
        object: name)
    }
    for axis in 0..<shape.count
    where start[axis] < 0 || count[axis] < 0 || start[axis] + count[axis] > shape[axis] {
      throw HDF5Error(
        .invalidSelection,
        "axis \(axis): \(start[axis])..<\(start[axis] + count[axis]) is outside 0..<\(shape[axis])",
        file: file, object: name)
    }
    let n = count.reduce(1, *)
    guard n == elements else {
      throw HDF5Error(
        .invalidSelection, "buffer of \(elements) elements for a block of \(n)", file: file,
        object: name)
    }
    let fileSpace = try Handle(
      H5Dget_space(handle.id), .library, "H5Dget_space", file: file, object: name)
    let memory: Handle
    if n == 0 {
      // A rank with nothing to move still takes part in a collective call.
      _ = H5Sselect_none(fileSpace.id)
      var one: [hsize_t] = [1]
      memory = try Handle(H5Screate_simple(1, &one, nil), .library, "H5Screate_simple")
      _ = H5Sselect_none(memory.id)
    } else {
      var s = start.map { hsize_t($0) }
      var c = count.map { hsize_t($0) }
      if !shape.isEmpty {
        _ = try check(
          H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, &s, nil, &c, nil), .invalidSelection,
          "cannot select \(Self.describe(start: start, count: count))", file: file, object: name)
      }
      // The memory space has the block's own shape: with a flat one HDF5 maps the
      // selection element by element (H5S_select_iterate), ten times slower than the I/O.
      var shapeInMemory = shape.isEmpty ? [hsize_t(1)] : c
      memory = try Handle(
        H5Screate_simple(Int32(shapeInMemory.count), &shapeInMemory, nil), .library,
        "H5Screate_simple")
    }
    let transferList = try propertyList(floe_h5p_dataset_xfer())
    if case .collective = transfer {
      _ = H5Pset_dxpl_mpio(transferList.id, H5FD_MPIO_COLLECTIVE)
    }
    try body(memory.id, fileSpace.id, transferList.id)
  }

  private static func describe(start: [Int], count: [Int]) -> String {
    "[" + zip(start, count).map { "\($0)..<\($0 + $1)" }.joined(separator: ", ") + "]"
  }

  fileprivate static func readFilters(_ creation: hid_t) -> [Filter] {
    let n = H5Pget_nfilters(creation)
    guard n > 0 else { return [] }
    return (0..<UInt32(n)).map { i in
      var flags: UInt32 = 0
      var parameterCount = 8
      var parameters = [UInt32](repeating: 0, count: 8)
      var nameBuffer = [CChar](repeating: 0, count: 256)
      var config: UInt32 = 0
      let id = H5Pget_filter2(
        creation, i, &flags, &parameterCount, &parameters, nameBuffer.count, &nameBuffer, &config)
      let stored = nameBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      let known: [Int32: String] = [
        1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
        32001: "blosc", 32004: "lz4", 32015: "zstd", 307: "bzip2",
      ]
      return Filter(
        id: Int(id), name: known[id] ?? (stored.isEmpty ? "filter \(id)" : stored),
        parameters: Array(parameters.prefix(min(parameterCount, 8))))
    }
  }
}

extension Dataset {
  /// Where the block at `start` of extent `count` lies in the file as one run of raw bytes,
  /// if it does: unfiltered storage of `element` itself, little-endian; either a contiguous
  /// dataset, or inside one stored chunk; and every dimension after the first whole (in the
  /// chunk or the dataset), so that the block's steps follow each other. Else nil, also for
  /// a chunk never written (HDF5 supplies its fill values).
  /// Wraps `H5Dget_offset` and `H5Dget_chunk_info_by_coord`.
  public func storedRun(start: [Int], count: [Int], as element: ElementType) throws
    -> (fileOffset: Int, bytes: Int)?
  {
    guard filters.isEmpty, storedLittleEndian, dataType == .numeric(element),
      start.count == shape.count, count.count == shape.count, !shape.isEmpty,
      count.allSatisfy({ $0 > 0 })
    else { return nil }
    let bytes = count.reduce(element.size, *)
    switch layout {
    case .contiguous:
      guard Array(count.dropFirst()) == Array(shape.dropFirst()) else { return nil }
      let address = H5Dget_offset(handle.id)
      guard address != floe_haddr_undef() else { return nil }
      let stepBytes = shape.dropFirst().reduce(element.size, *)
      return (Int(address) + start[0] * stepBytes, bytes)
    case .chunked:
      guard let chunk = chunkShape else { return nil }
      let origin = zip(start, chunk).map { $0 / $1 * $1 }
      // Whole in the chunk after the first dimension, and within one chunk along it.
      guard Array(start.dropFirst()) == Array(origin.dropFirst()),
        Array(count.dropFirst()) == Array(chunk.dropFirst()),
        start[0] + count[0] <= origin[0] + chunk[0]
      else { return nil }
      let (address, stored) = try storedChunkLocation(at: origin)
      guard address >= 0, stored == chunk.reduce(element.size, *) else { return nil }
      let stepBytes = chunk.dropFirst().reduce(element.size, *)
      return (address + (start[0] - origin[0]) * stepBytes, bytes)
    case .compact, .virtual:
      return nil
    }
  }
}
