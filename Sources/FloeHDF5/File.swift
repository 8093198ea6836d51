internal import CHDF5
internal import CMPI
public import FloeMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open HDF5 / netCDF-4 file, serial or shared by the ranks of a communicator.
/// Closed when it goes out of scope.
public struct File: ~Copyable {
  let handle: Handle
  /// The path it was opened with, for messages.
  public let path: String

  private init(handle: consuming Handle, path: String) {
    self.handle = handle
    self.path = path
  }

  /// Opens an existing file. With a communicator, every rank of it must call this
  /// (collective) and the file is read through MPI-IO; with `collectiveMetadata` every
  /// metadata read (opening a dataset, reading an attribute, finding a chunk) must then be
  /// made by all ranks together, so ranks that read different chunks on their own pass
  /// false. Without a communicator, this rank opens it alone. Wraps `H5Fopen`,
  /// `H5Pset_fapl_mpio` and `H5Pset_all_coll_metadata_ops`.
  public static func open(
    _ path: String, communicator: Communicator? = nil, writable: Bool = false,
    collectiveMetadata: Bool = true
  ) throws -> File {
    HDF5Library.setUp()
    try checkReadable(path)
    let access = try fileAccess(communicator, collectiveMetadata: collectiveMetadata)
    let flags = writable ? floe_h5f_acc_rdwr() : floe_h5f_acc_rdonly()
    let id = H5Fopen(path, flags, access.id)
    if id < 0 {
      let stack = HDF5Library.takeErrorStack()
      let truncated = stack.first { $0.contains("truncated file") }
      throw HDF5Error(
        .cannotOpen, truncated != nil ? "the file is truncated or damaged" : "cannot open the file",
        file: path, stack: truncated.map { [$0] } ?? stack)
    }
    return File(handle: try Handle(id, .cannotOpen, "cannot open", file: path), path: path)
  }

  /// Creates a netCDF-4-compatible file (link and attribute creation order tracked, as
  /// netCDF-C writes them). Collective with a communicator. Refuses to replace an
  /// existing file unless `overwrite`. Wraps `H5Fcreate`.
  public static func create(
    _ path: String, communicator: Communicator? = nil, overwrite: Bool = false
  )
    throws -> File
  {
    HDF5Library.setUp()
    let access = try fileAccess(communicator)
    let creation = try propertyList(floe_h5p_file_create())
    let order = floe_h5p_crt_order_tracked() | floe_h5p_crt_order_indexed()
    _ = H5Pset_link_creation_order(creation.id, order)
    _ = H5Pset_attr_creation_order(creation.id, order)
    let flags = overwrite ? floe_h5f_acc_trunc() : floe_h5f_acc_excl()
    let id = H5Fcreate(path, flags, creation.id, access.id)
    if id < 0 {
      let stack = HDF5Library.takeErrorStack()
      var exists = stat()
      let message =
        (!overwrite && stat(path, &exists) == 0)
        ? "the file exists already" : "cannot create the file"
      throw HDF5Error(.createFailed, message, file: path, stack: stack)
    }
    return File(handle: try Handle(id, .createFailed, "cannot create", file: path), path: path)
  }

  /// Writes buffered data and metadata to the file system. Collective in parallel.
  /// Wraps `H5Fflush`.
  public func flush() throws {
    _ = try check(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), .writeFailed, "cannot flush", file: path)
  }

  /// The names of the datasets in the root group, in creation order where tracked
  /// (netCDF's variable order), else in name order. Wraps `H5Lget_name_by_idx`.
  public func datasetNames() throws -> [String] {
    var info = H5G_info_t()
    _ = try check(H5Gget_info(handle.id, &info), .readFailed, "cannot list the file", file: path)
    var order = H5_INDEX_CRT_ORDER
    var names: [String] = []
    for i in 0..<info.nlinks {
      var length = H5Lget_name_by_idx(handle.id, ".", order, H5_ITER_INC, i, nil, 0, defaultList)
      if length < 0 && order == H5_INDEX_CRT_ORDER && i == 0 {
        _ = HDF5Library.takeErrorStack()
        order = H5_INDEX_NAME
        length = H5Lget_name_by_idx(handle.id, ".", order, H5_ITER_INC, i, nil, 0, defaultList)
      }
      _ = try check(length, .readFailed, "cannot list the file", file: path)
      var buffer = [CChar](repeating: 0, count: Int(length) + 1)
      _ = H5Lget_name_by_idx(
        handle.id, ".", order, H5_ITER_INC, i, &buffer, buffer.count, defaultList)
      let name = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      // Only datasets: groups and named types are not variables.
      let object = H5Oopen(handle.id, name, defaultList)
      guard object >= 0 else {
        _ = HDF5Library.takeErrorStack()
        continue
      }
      if H5Iget_type(object) == H5I_DATASET { names.append(name) }
      _ = H5Oclose(object)
    }
    return names
  }

  /// Whether the root group has a dataset `name`.
  public func hasDataset(_ name: String) -> Bool {
    guard H5Lexists(handle.id, name, defaultList) > 0 else {
      _ = HDF5Library.takeErrorStack()
      return false
    }
    let object = H5Oopen(handle.id, name, defaultList)
    guard object >= 0 else {
      _ = HDF5Library.takeErrorStack()
      return false
    }
    defer { _ = H5Oclose(object) }
    return H5Iget_type(object) == H5I_DATASET
  }

  /// Opens dataset `name`, optionally with its own chunk cache. Wraps `H5Dopen2` and
  /// `H5Pset_chunk_cache`.
  public func dataset(_ name: String, chunkCache: ChunkCache? = nil) throws -> Dataset {
    guard hasDataset(name) else {
      let known = (try? datasetNames()) ?? []
      throw HDF5Error(
        .objectNotFound,
        "no variable '\(name)'"
          + (known.isEmpty ? "" : "; the file has: \(known.joined(separator: ", "))"),
        file: path)
    }
    let access = try propertyList(floe_h5p_dataset_access())
    if let chunkCache {
      _ = H5Pset_chunk_cache(access.id, chunkCache.slots, chunkCache.bytes, chunkCache.preemption)
    }
    let id = try Handle(
      H5Dopen2(handle.id, name, access.id), .readFailed, "cannot open", file: path, object: name)
    return try Dataset(handle: id, name: name, file: path)
  }

  /// The global attributes (netCDF's reserved ones left out).
  public func attributes() throws -> [Attribute] {
    try AttributeIO.readAll(of: handle.id, file: path, object: nil)
  }

  /// One global attribute, or nil.
  public func attribute(_ name: String) throws -> AttributeValue? {
    try AttributeIO.readIfPresent(name, of: handle.id, file: path, object: nil)
  }

  /// Writes a global attribute. Collective in parallel: every rank passes the same value.
  public func setAttribute(_ name: String, _ value: AttributeValue) throws {
    try AttributeIO.write(name, value, to: handle.id, file: path)
  }

  /// Checks what HDF5 would only call "unable to open": missing, not a file, unreadable,
  /// not HDF5.
  private static func checkReadable(_ path: String) throws {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw HDF5Error(.fileNotFound, "no such file", file: path)
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw HDF5Error(.notAFile, "is a directory or other non-regular file", file: path)
    }
    guard access(path, R_OK) == 0 else {
      throw HDF5Error(.permissionDenied, "no permission to read the file", file: path)
    }
    if H5Fis_hdf5(path) <= 0 {
      _ = HDF5Library.takeErrorStack()
      throw HDF5Error(
        .notHDF5, "not an HDF5 or netCDF-4 file (netCDF-3 classic files are not supported)",
        file: path)
    }
  }

  /// A file-access list: MPI-IO on `communicator` with collective metadata, else serial.
  private static func fileAccess(_ communicator: Communicator?, collectiveMetadata: Bool = true)
    throws -> Handle
  {
    let access = try propertyList(floe_h5p_file_access())
    if let communicator {
      _ = try check(
        H5Pset_fapl_mpio(access.id, communicator.handle, floe_mpi_info_null()), .library,
        "cannot select the MPI-IO driver")
      _ = H5Pset_all_coll_metadata_ops(access.id, collectiveMetadata)
      _ = H5Pset_coll_metadata_write(access.id, true)
    }
    return access
  }
}

/// HDF5's per-dataset cache of decompressed chunks.
public struct ChunkCache: Sendable {
  /// Hash-table slots (a prime, about 100x the number of chunks that fit).
  public var slots: Int
  /// Bytes the cache may hold.
  public var bytes: Int
  /// 0...1: how readily fully-read chunks are evicted (1: first).
  public var preemption: Double

  public init(slots: Int = 521, bytes: Int, preemption: Double = 1.0) {
    self.slots = slots
    self.bytes = bytes
    self.preemption = preemption
  }

  /// No caching: for reads that touch each chunk once, whole.
  public static let disabled = ChunkCache(slots: 1, bytes: 0, preemption: 1.0)
}
