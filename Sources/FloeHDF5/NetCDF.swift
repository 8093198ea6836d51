internal import CHDF5

/// netCDF-4's conventions on top of HDF5: dimensions are dimension scales, a dimension
/// without values is a scale named "This is a netCDF dimension but not a netCDF variable".
public enum NetCDF {
  /// The NAME that marks a dimension scale with no coordinate values.
  public static let dimensionOnlyPrefix = "This is a netCDF dimension but not a netCDF variable"

  /// The NAME netCDF-C gives such a scale: the prefix, a period, the length as `%10d`.
  static func dimensionOnlyName(length: Int) -> String {
    let digits = String(length)
    return dimensionOnlyPrefix + "." + String(repeating: " ", count: max(0, 10 - digits.count))
      + digits
  }
}

/// A netCDF dimension as read from a file.
public struct Dimension: Sendable, Equatable {
  public var name: String
  public var length: Int
  public var isUnlimited: Bool
  public init(name: String, length: Int, isUnlimited: Bool = false) {
    self.name = name
    self.length = length
    self.isUnlimited = isUnlimited
  }
}

/// A netCDF variable's description, without its data.
public struct VariableInfo: Sendable {
  public var name: String
  public var dataType: DataType
  public var dimensions: [String]
  public var shape: [Int]
  public var attributes: [Attribute]
  public var layout: Layout
  public var chunkShape: [Int]?
  public var filters: [Filter]
  public var fillValue: NumericArray?
  public var storageBytes: Int
  public var storedChunks: Int
}

/// What `ncdump -h` shows of a file, plus storage facts.
public struct FileInfo: Sendable {
  public var path: String
  public var dimensions: [Dimension]
  public var variables: [VariableInfo]
  public var attributes: [Attribute]
}

extension File {
  /// Reads the netCDF view of the file: dimensions (in netCDF's order), variables
  /// (dimension-only scales left out), attributes.
  public func describe() throws -> FileInfo {
    var dimensions: [(order: Int, dimension: Dimension)] = []
    var variables: [VariableInfo] = []
    for (position, name) in try datasetNames().enumerated() {
      let dataset = try self.dataset(name)
      if dataset.isDimensionScale && dataset.shape.count == 1 {
        let order = (try? dataset.attributeRaw("_Netcdf4Dimid"))?.flatMap { $0.doubles?.first }
        dimensions.append(
          (
            order.map { Int($0) } ?? 1_000_000 + position,
            Dimension(name: name, length: dataset.shape[0], isUnlimited: dataset.maxShape[0] == nil)
          ))
        if dataset.isDimensionOnly { continue }
      }
      variables.append(
        VariableInfo(
          name: name, dataType: dataset.dataType, dimensions: try dataset.dimensionNames(),
          shape: dataset.shape, attributes: try dataset.attributes(), layout: dataset.layout,
          chunkShape: dataset.chunkShape, filters: dataset.filters, fillValue: dataset.fillValue,
          storageBytes: dataset.storageSize, storedChunks: try dataset.storedChunkCount()))
    }
    return FileInfo(
      path: path, dimensions: dimensions.sorted { $0.order < $1.order }.map(\.dimension),
      variables: variables, attributes: try attributes())
  }

  /// Creates a netCDF dimension: with `coordinate`, a coordinate variable of that type
  /// named like the dimension (write its values afterwards); without, a dimension-only
  /// scale. Collective in parallel. Wraps `H5Dcreate2` and `H5DSset_scale`.
  @discardableResult
  public func createDimension(
    _ name: String, length: Int, unlimited: Bool = false, coordinate: ElementType? = nil
  ) throws -> Dataset {
    let dimensionID = try datasetNames().filter { dataset($0, isScale: true) }.count
    let type = coordinate ?? .float32
    let options = VariableOptions(
      chunkShape: unlimited ? [max(min(length, 1024), 1)] : nil, fillValue: nil)
    let scale = try createDataset(
      name, type: type, shape: [length], unlimited: unlimited, options: options)
    let label = coordinate == nil ? NetCDF.dimensionOnlyName(length: length) : name
    _ = try check(
      H5DSset_scale(scale.handle.id, label), .createFailed, "cannot make a dimension scale",
      file: path, object: name)
    try AttributeIO.write(
      "_Netcdf4Dimid", .numbers(.int32([Int32(dimensionID)])), to: scale.handle.id, file: path)
    return scale
  }

  /// Creates a variable over existing dimensions (by name), attaching their scales.
  /// Collective in parallel. Wraps `H5Dcreate2`, `H5Pset_chunk`, `H5Pset_deflate`,
  /// `H5Pset_shuffle`, `H5Pset_fill_value` and `H5DSattach_scale`.
  @discardableResult
  public func createVariable(
    _ name: String, type: ElementType, dimensions: [String], options: VariableOptions = .init()
  ) throws -> Dataset {
    var shape: [Int] = []
    var unlimited = false
    for dimension in dimensions {
      guard hasDataset(dimension) else {
        throw HDF5Error(.objectNotFound, "no dimension '\(dimension)'", file: path, object: name)
      }
      let scale = try dataset(dimension)
      shape.append(scale.shape[0])
      if scale.maxShape[0] == nil { unlimited = true }
    }
    let variable = try createDataset(
      name, type: type, shape: shape, unlimited: unlimited, options: options)
    for (axis, dimension) in dimensions.enumerated() {
      let scale = try dataset(dimension)
      _ = try check(
        H5DSattach_scale(variable.handle.id, scale.handle.id, UInt32(axis)), .createFailed,
        "cannot attach dimension '\(dimension)'", file: path, object: name)
    }
    if let fill = options.fillValue {
      try variable.setAttribute("_FillValue", .numbers(fill))
    }
    return variable
  }

  private func dataset(_ name: String, isScale: Bool) -> Bool {
    (try? dataset(name).isDimensionScale) ?? false
  }

  private func createDataset(
    _ name: String, type: ElementType, shape: [Int], unlimited: Bool, options: VariableOptions
  ) throws -> Dataset {
    var dims = shape.map { hsize_t($0) }
    var maxDims = dims
    if unlimited { maxDims[0] = floe_h5s_unlimited() }
    let space = try Handle(
      H5Screate_simple(Int32(shape.count), &dims, &maxDims), .createFailed, "bad shape \(shape)",
      file: path, object: name)
    let creation = try propertyList(floe_h5p_dataset_create())
    let chunks =
      options.chunkShape ?? (unlimited || options.deflateLevel != nil ? defaultChunks(shape) : nil)
    if let chunks {
      guard chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 }) else {
        throw HDF5Error(
          .createFailed, "chunk shape \(chunks) does not fit shape \(shape)", file: path,
          object: name)
      }
      var c = chunks.map { hsize_t($0) }
      _ = try check(
        H5Pset_chunk(creation.id, Int32(c.count), &c), .createFailed, "bad chunks \(chunks)",
        file: path, object: name)
      if options.shuffle && options.deflateLevel != nil { _ = H5Pset_shuffle(creation.id) }
      if let level = options.deflateLevel {
        _ = try check(
          H5Pset_deflate(creation.id, UInt32(level)), .createFailed, "bad deflate level \(level)",
          file: path, object: name)
      }
    }
    if let fill = options.fillValue {
      _ = try fill.withRawBytes { bytes, _ in
        try check(
          H5Pset_fill_value(creation.id, fill.elementType.nativeType, bytes), .createFailed,
          "bad fill value", file: path, object: name)
      }
    }
    // Floe writes every element itself: pre-filling with the fill value would write the
    // whole variable twice.
    _ = H5Pset_fill_time(creation.id, H5D_FILL_TIME_NEVER)
    let id = try Handle(
      H5Dcreate2(handle.id, name, type.nativeType, space.id, defaultList, creation.id, defaultList),
      .createFailed, "cannot create", file: path, object: name)
    return try Dataset(handle: id, name: name, file: path)
  }

  private func defaultChunks(_ shape: [Int]) -> [Int] {
    shape.enumerated().map { axis, n in axis == 0 ? max(1, min(n, 1024)) : max(1, n) }
  }
}

/// How a new variable is stored.
public struct VariableOptions: Sendable {
  /// Storage chunk shape; nil: contiguous (chunked automatically if needed).
  public var chunkShape: [Int]?
  /// zlib level 1...9; nil: no compression. Needs chunks.
  public var deflateLevel: Int?
  /// Byte shuffle before deflate (only with deflate, as netCDF does).
  public var shuffle: Bool
  /// The `_FillValue`: stored as HDF5's fill value and as the attribute.
  public var fillValue: NumericArray?

  public init(
    chunkShape: [Int]? = nil, deflateLevel: Int? = nil, shuffle: Bool = true,
    fillValue: NumericArray? = nil
  ) {
    self.chunkShape = chunkShape
    self.deflateLevel = deflateLevel
    self.shuffle = shuffle
    self.fillValue = fillValue
  }
}
