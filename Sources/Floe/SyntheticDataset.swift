import FloeHDF5
import FloeKernels
public import FloeMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `floe gen`: a CF-conforming synthetic dataset `tas(time, lat, lon)`, written in
/// parallel by every rank of a communicator.
public struct SyntheticDataset: Sendable {
  /// time, lat, lon.
  public var shape: [Int]
  /// Storage chunks (time, lat, lon).
  public var chunks: [Int]
  /// zlib level, or nil for no compression.
  public var deflateLevel: Int?
  public var seed: UInt64
  public var fillFraction: Double
  public var variable: String

  /// The default: 730 daily steps on a 2.5 degree grid, about 31 MB.
  public static let defaultShape = [730, 73, 144]

  public init(
    shape: [Int] = defaultShape, chunks: [Int]? = nil, deflateLevel: Int? = nil, seed: UInt64 = 0,
    fillFraction: Double = 0.01, variable: String = "tas"
  ) {
    self.shape = shape
    self.chunks = chunks ?? [min(24, shape[0]), shape[1], shape[2]]
    self.deflateLevel = deflateLevel
    self.seed = seed
    self.fillFraction = fillFraction
    self.variable = variable
  }

  /// Checks the request; the same answer on every rank, so no collective is needed.
  public func validate() throws(GenerateError) {
    guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
      throw GenerateError("--shape must be three positive sizes T,Y,X; got \(shape)")
    }
    guard chunks.count == 3, chunks.allSatisfy({ $0 > 0 }) else {
      throw GenerateError("--chunks must be three positive sizes T,Y,X; got \(chunks)")
    }
    guard zip(chunks, shape).allSatisfy({ $0 <= $1 }) else {
      throw GenerateError("--chunks \(chunks) is larger than --shape \(shape)")
    }
    guard chunks.reduce(4, *) < 1 << 32 else {
      throw GenerateError(
        "--chunks \(chunks) makes chunks of 4 GiB or more, which HDF5 cannot store")
    }
    guard (0...1).contains(fillFraction) else {
      throw GenerateError("--fill-fraction must be between 0 and 1; got \(fillFraction)")
    }
    if let level = deflateLevel, !(1...9).contains(level) {
      throw GenerateError("--deflate must be a zlib level 1...9; got \(level)")
    }
    guard !variable.isEmpty,
      !["time", "lat", "lon", "bnds", "lat_bnds", "lon_bnds"].contains(variable)
    else {
      throw GenerateError("--var '\(variable)' clashes with a coordinate name")
    }
  }

  /// Writes the dataset to `path` (through a temporary name, renamed when complete).
  /// Collective over `communicator`: each rank writes whole chunk rows of time steps,
  /// in rounds in which every rank takes part.
  public func write(to path: String, communicator: Communicator, overwrite: Bool) throws {
    let rank = communicator.rank
    let size = communicator.size
    if !overwrite && access(path, F_OK) == 0 {
      throw HDF5Error(
        .createFailed, "the output exists already (use --overwrite to replace it)", file: path)
    }
    let temporary = path + ".floe-partial"
    let field = SyntheticField(
      times: shape[0], latitudes: shape[1], longitudes: shape[2], seed: seed,
      fillFraction: fillFraction)
    do {
      let file = try File.create(temporary, communicator: communicator, overwrite: true)
      try writeCoordinates(file, field, rank: rank)
      let data = try file.createVariable(
        variable, type: .float32, dimensions: ["time", "lat", "lon"],
        options: VariableOptions(
          chunkShape: chunks, deflateLevel: deflateLevel, shuffle: deflateLevel != nil,
          fillValue: .float32([field.fillValue])))
      try data.setAttribute("missing_value", .numbers(.float32([field.fillValue])))
      try data.setAttribute("units", .text("K"))
      try data.setAttribute("standard_name", .text("air_temperature"))
      try data.setAttribute("long_name", .text("Near-Surface Air Temperature"))
      try data.setAttribute("cell_methods", .text("time: mean"))
      try file.setAttribute("Conventions", .text("CF-1.8"))
      try file.setAttribute("title", .text("Floe synthetic test data"))
      try file.setAttribute(
        "source",
        .text("floe gen --shape \(shape.map(String.init).joined(separator: ",")) --seed \(seed)"))

      // Time blocks of one chunk row each; round r gives block r*size + rank to each rank.
      let blockSteps = chunks[0]
      let blocks = (shape[0] + blockSteps - 1) / blockSteps
      let rounds = (blocks + size - 1) / size
      let plane = shape[1] * shape[2]
      var buffer = [Float](repeating: 0, count: blockSteps * plane)
      for round in 0..<rounds {
        let block = round * size + rank
        let t0 = min(block * blockSteps, shape[0])
        let steps = max(0, min(blockSteps, shape[0] - t0))
        try buffer.withUnsafeMutableBufferPointer { all in
          let part = UnsafeMutableBufferPointer(rebasing: all[0..<(steps * plane)])
          if steps > 0 { field.fill(part, firstTime: t0, steps: steps) }
          try data.write(
            UnsafeBufferPointer(part), start: [t0, 0, 0], count: [steps, shape[1], shape[2]],
            transfer: .collective)
        }
      }
      try file.flush()
    } catch {
      if rank == 0 { unlink(temporary) }
      throw error
    }
    // Every rank has closed the file before rank 0 gives it its real name.
    try communicator.barrier()
    if rank == 0 && rename(temporary, path) != 0 {
      unlink(temporary)
      throw HDF5Error(.writeFailed, "cannot rename \(temporary) into place", file: path)
    }
    try communicator.barrier()
  }

  private func writeCoordinates(_ file: borrowing File, _ field: SyntheticField, rank: Int) throws {
    let time = try file.createDimension(
      "time", length: shape[0], unlimited: true, coordinate: .float64)
    try time.setAttribute("standard_name", .text("time"))
    try time.setAttribute("units", .text("days since 2000-01-01 00:00:00"))
    try time.setAttribute("calendar", .text("standard"))
    try time.setAttribute("axis", .text("T"))
    let lat = try file.createDimension("lat", length: shape[1], coordinate: .float64)
    try lat.setAttribute("standard_name", .text("latitude"))
    try lat.setAttribute("long_name", .text("latitude"))
    try lat.setAttribute("units", .text("degrees_north"))
    try lat.setAttribute("axis", .text("Y"))
    let lon = try file.createDimension("lon", length: shape[2], coordinate: .float64)
    try lon.setAttribute("standard_name", .text("longitude"))
    try lon.setAttribute("long_name", .text("longitude"))
    try lon.setAttribute("units", .text("degrees_east"))
    try lon.setAttribute("axis", .text("X"))
    // Rank 0 writes the coordinates; the others take part with empty selections.
    func put(_ dataset: borrowing Dataset, _ values: [Double]) throws {
      let mine = rank == 0 ? values : []
      try mine.withUnsafeBufferPointer {
        try dataset.write($0, start: [0], count: [mine.count], transfer: .collective)
      }
    }
    try put(time, (0..<shape[0]).map(field.time))
    try put(lat, (0..<shape[1]).map(field.latitude))
    try put(lon, (0..<shape[2]).map(field.longitude))
    // Cell bounds (CF 7.1): midway between points, latitude clamped at the poles.
    try file.createDimension("bnds", length: 2)
    let latStep = shape[1] > 1 ? 180 / Double(shape[1] - 1) : 180
    let lonStep = 360 / Double(shape[2])
    let latBounds = try file.createVariable(
      "lat_bnds", type: .float64, dimensions: ["lat", "bnds"])
    let lonBounds = try file.createVariable(
      "lon_bnds", type: .float64, dimensions: ["lon", "bnds"])
    try lat.setAttribute("bounds", .text("lat_bnds"))
    try lon.setAttribute("bounds", .text("lon_bnds"))
    func putBounds(_ dataset: borrowing Dataset, _ values: [Double]) throws {
      let mine = rank == 0 ? values : []
      try mine.withUnsafeBufferPointer {
        try dataset.write($0, start: [0, 0], count: [mine.count / 2, 2], transfer: .collective)
      }
    }
    try putBounds(
      latBounds,
      (0..<shape[1]).flatMap { j -> [Double] in
        let c = field.latitude(j)
        return [max(-90, c - latStep / 2), min(90, c + latStep / 2)]
      })
    try putBounds(
      lonBounds,
      (0..<shape[2]).flatMap {
        [field.longitude($0) - lonStep / 2, field.longitude($0) + lonStep / 2]
      })
  }
}

/// A `floe gen` request that cannot be met.
public struct GenerateError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
