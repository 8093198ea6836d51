import FloeHDF5
import FloeKernels
import FloeRuntime
import Foundation

/// The keeper's writer: a netCDF-4 file with the kept dimensions and their coordinates,
/// the variable's attributes carried over, `cell_methods` extended and a `history` line,
/// written under a temporary name and renamed into place when complete.
final class NetCDFResultSink: ResultSink {
  let request: ReduceRequest
  let temporary: String
  /// The open output; dropping it closes the file.
  var output: OpenFile?
  /// Each output variable's name and fill value, in `--var` order.
  let variables: [(name: String, fill: Double)]
  /// Where a tile's output block has the dimension of variables (several `--var`s), if any.
  let variableAxis: Int?

  /// netCDF's default fill values, for outputs whose input had none.
  static let defaultFloatFill = Double(Float(9.969_209_968_386_869e36))
  static let defaultDoubleFill = 9.969_209_968_386_869e36

  init(request: ReduceRequest, setup: ReductionSetup, source: HDF5UnitSource) throws {
    self.request = request
    temporary = request.output + ".floe-partial"
    variableAxis = setup.variableAxes == 1 ? (setup.groups != nil ? 1 : 0) : nil
    let out = try File.create(temporary, overwrite: true)
    var keptNames: [String] = []
    if let groups = setup.groups {
      let time = setup.dimensionNames[0]
      keptNames.append(time)
      try Self.writeGroupTimes(groups, name: time, from: source.file, to: out)
    }
    for (axis, name) in setup.dimensionNames.enumerated() where !setup.reduced[axis] {
      keptNames.append(name)
      try Self.copyDimension(
        name, first: setup.origin[axis], length: setup.shape[axis], from: source.file, to: out)
    }
    let inputs =
      setup.variables.isEmpty
      ? [
        VariableSetup(
          name: request.variable, decoding: setup.decoding, writesFloat32: setup.writesFloat32)
      ] : setup.variables
    variables = try inputs.map { input in
      let fill = try Self.createVariable(
        like: source.file.dataset(input.name), input, dimensions: keptNames, in: out,
        setup: setup, request: request)
      return (input.name, fill)
    }
    for attribute in try source.file.attributes() where attribute.name != "history" {
      try out.setAttribute(attribute.name, attribute.value)
    }
    let stamp = ISO8601DateFormatter().string(from: Date())
    let history = try source.file.attribute("history")?.string.map { "\n" + $0 } ?? ""
    try out.setAttribute("history", .text("\(stamp): \(request.commandLine)" + history))
    output = OpenFile(consume out)
  }

  /// Creates the result variable for `input`, carrying its attributes over; returns its
  /// fill value.
  static func createVariable(
    like source: borrowing Dataset, _ input: VariableSetup, dimensions: [String],
    in out: borrowing File, setup: ReductionSetup, request: ReduceRequest
  ) throws -> Double {
    let outputType: ElementType = input.writesFloat32 ? .float32 : .float64
    // A packed variable's fill value is in packed units; the unpacked output takes netCDF's.
    let inputFill =
      input.decoding.isPacked ? nil : try source.attribute("_FillValue")?.doubles?.first
    let fill =
      inputFill ?? (outputType == .float32 ? Self.defaultFloatFill : Self.defaultDoubleFill)
    let variable = try out.createVariable(
      source.name, type: outputType, dimensions: dimensions,
      options: VariableOptions(
        fillValue: outputType == .float32 ? .float32([Float(fill)]) : .float64([fill])))
    let dropped: Set<String> = [
      "_FillValue", "missing_value", "valid_min", "valid_max", "valid_range", "scale_factor",
      "add_offset",
      "cell_methods",
    ]
    var units: String?
    for attribute in try source.attributes() where !dropped.contains(attribute.name) {
      if attribute.name == "units" { units = attribute.value.string }
      try variable.setAttribute(attribute.name, attribute.value)
    }
    if try source.attribute("missing_value") != nil {
      try variable.setAttribute(
        "missing_value",
        .numbers(outputType == .float32 ? .float32([Float(fill)]) : .float64([fill])))
    }
    let previous = try source.attribute("cell_methods")?.string.map { $0 + " " } ?? ""
    try variable.setAttribute(
      "cell_methods", .text(previous + Self.cellMethods(setup, method: request.cellMethod)))
    switch request.customReducer == nil ? request.statistic : nil {
    case .count?:
      try variable.setAttribute("units", .text("1"))
      try variable.setAttribute(
        "long_name", .text("number of valid values of \(source.name)"))
    case .variance?:
      if let units {
        try variable.setAttribute("units", .text(units.contains(" ") ? "(\(units))2" : "\(units)2"))
      }
    default: break
    }
    return fill
  }

  /// CF `cell_methods` for what was reduced: "time: mean", "lat: lon: mean (area-weighted)",
  /// or for a climatology "time: mean within years time: mean over years" (CF 7.4).
  static func cellMethods(_ setup: ReductionSetup, method: String) -> String {
    let reduced = zip(setup.dimensionNames, setup.reduced).filter { $0.1 }.map(\.0)
    guard let groups = setup.groups, groups.grouping.isClimatology else {
      return reduced.map { "\($0):" }.joined(separator: " ") + " \(method)"
    }
    let time = setup.dimensionNames[0]
    let others = reduced.filter { $0 != time }.map { "\($0):" }.joined(separator: " ")
    return (others.isEmpty ? "" : "\(others) \(method) ")
      + "\(time): \(method) within years \(time): \(method) over years"
  }

  /// The grouped time dimension: one step per group, with its bounds (`time_bnds`) or, for
  /// a climatology, its climatology bounds, and the input time's units and calendar.
  static func writeGroupTimes(
    _ groups: GroupSpec, name: String, from input: borrowing File, to out: borrowing File,
    writesValues: Bool = true
  ) throws {
    let time = try out.createDimension(name, length: groups.count, coordinate: .float64)
    if writesValues { try time.writeAll(groups.times) }
    let coordinate = try input.dataset(name)
    for attribute in try coordinate.attributes()
    where !["bounds", "climatology"].contains(attribute.name) {
      try time.setAttribute(attribute.name, attribute.value)
    }
    if !out.hasDataset("bnds") { try out.createDimension("bnds", length: 2) }
    let boundsName = groups.grouping.isClimatology ? "climatology_bounds" : "\(name)_bnds"
    let bounds = try out.createVariable(boundsName, type: .float64, dimensions: [name, "bnds"])
    if writesValues { try bounds.writeAll(groups.bounds) }
    try time.setAttribute(
      groups.grouping.isClimatology ? "climatology" : "bounds", .text(boundsName))
  }

  /// A kept dimension, with its coordinate variable's values and attributes if it has one.
  static func copyDimension(
    _ name: String, first: Int, length: Int, from input: borrowing File, to out: borrowing File,
    writesValues: Bool = true
  ) throws {
    guard input.hasDataset(name) else {
      try out.createDimension(name, length: length)
      return
    }
    let coordinate = try input.dataset(name)
    guard coordinate.isDimensionScale, !coordinate.isDimensionOnly,
      case .numeric(let type) = coordinate.dataType
    else {
      try out.createDimension(name, length: length)
      return
    }
    let copy = try out.createDimension(name, length: length, coordinate: type)
    func move<T: HDF5Scalar>(_: T.Type) throws {
      // In a file shared by several ranks, one writes the values; all create the variable.
      guard writesValues else { return }
      try copy.writeAll(try coordinate.read(T.self, start: [first], count: [length]))
    }
    switch type {
    case .int8: try move(Int8.self)
    case .uint8: try move(UInt8.self)
    case .int16: try move(Int16.self)
    case .uint16: try move(UInt16.self)
    case .int32: try move(Int32.self)
    case .uint32: try move(UInt32.self)
    case .int64: try move(Int64.self)
    case .uint64: try move(UInt64.self)
    case .float32: try move(Float.self)
    case .float64: try move(Double.self)
    }
    for attribute in try coordinate.attributes() where attribute.name != "bounds" {
      try copy.setAttribute(attribute.name, attribute.value)
    }
    // The cell bounds (CF 7.1), for the same cells.
    if let boundsName = try coordinate.attribute("bounds")?.string, input.hasDataset(boundsName) {
      let bounds = try input.dataset(boundsName)
      guard bounds.shape.count == 2, bounds.shape[0] == coordinate.shape[0], bounds.shape[1] == 2
      else { return }
      if !out.hasDataset("bnds") { try out.createDimension("bnds", length: 2) }
      let copied = try out.createVariable(boundsName, type: .float64, dimensions: [name, "bnds"])
      if writesValues {
        try copied.writeAll(try bounds.read(Double.self, start: [first, 0], count: [length, 2]))
      }
      try copy.setAttribute("bounds", .text(boundsName))
    }
  }

  func write(start: [Int], count: [Int], values: [Double]) throws {
    guard let output else { return }
    var start = start
    var count = count
    var variable = variables[0]
    if let variableAxis {
      // One variable per tile: drop the variables' dimension from the block.
      variable = variables[start.remove(at: variableAxis)]
      count.remove(at: variableAxis)
    }
    try output.file.dataset(variable.name).writeResults(
      values, fill: variable.fill, start: start, count: count)
  }

  func commit() throws {
    try output?.file.flush()
    output = nil  // closes it
    guard rename(temporary, request.output) == 0 else {
      unlink(temporary)
      throw ReduceError(
        "cannot rename \(temporary) to \(request.output): \(String(cString: strerror(errno)))")
    }
  }

  func discard() {
    output = nil
    unlink(temporary)
  }
}

/// An open file held by reference, so that an optional of it can be dropped to close it.
final class OpenFile {
  let file: File
  init(_ file: consuming File) { self.file = file }
}
