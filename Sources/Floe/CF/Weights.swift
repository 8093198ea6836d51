import FloeHDF5
import FloeKernels
import Foundation

/// What a weighted statistic weights each value by (`--weights`).
public enum WeightKind: Sendable, Codable, Equatable, CustomStringConvertible {
  /// cos(latitude), or the exact spherical-zone area sin(north) - sin(south) from the
  /// latitude's cell bounds where the file has them.
  case coslat
  /// Cell areas: the variable that `cell_measures = "area: NAME"` names, else areas from the
  /// latitude and longitude cell bounds on a sphere of Earth's radius.
  case area
  /// Any variable of the input whose dimensions are some of the data's, in the same order.
  case variable(String)

  /// `coslat`, `area`, or a variable's name.
  public init(argument: String) {
    switch argument {
    case "coslat": self = .coslat
    case "area": self = .area
    default: self = .variable(argument)
    }
  }

  public var description: String {
    switch self {
    case .coslat: "coslat"
    case .area: "area"
    case .variable(let name): name
    }
  }

  /// The words after the statistic in `cell_methods`.
  var cellMethodComment: String {
    switch self {
    case .coslat, .area: "(area-weighted)"
    case .variable(let name): "(weighted by \(name))"
    }
  }
}

/// Weights ready for a reduction: one value per point of the selected box along `axes`
/// (dimensions of the data variable, increasing), row-major.
struct BuiltWeights {
  var values: [Double]
  var axes: [Int]
}

/// Earth's radius in metres, as CDO and CF's CMIP tables use for cell areas.
let earthRadius = 6_371_000.0

/// Builds `--weights` for one variable: where to find them in the file, what to check.
struct WeightBuilder {
  let kind: WeightKind
  let path: String
  let variable: String
  let names: [String]
  let axes: [Axis?]
  let shape: [Int]
  let origin: [Int]
  let extent: [Int]

  var what: String { "variable '\(variable)' in \(path)" }

  func build() throws -> BuiltWeights {
    let file = try File.open(path)
    switch kind {
    case .coslat:
      let lat = try axis(.latitude)
      return BuiltWeights(values: slice(try latitudeWeights(lat, file), along: lat), axes: [lat])
    case .area:
      if let measure = try cellMeasure(file) {
        return try variableWeights(measure, via: "cell_measures", file)
      }
      return try boundsAreas(file)
    case .variable(let name):
      return try variableWeights(name, via: "--weights", file)
    }
  }

  private func axis(_ axis: Axis) throws -> Int {
    guard let index = axes.firstIndex(of: axis) else {
      let described = zip(names, axes).map { $0 + ($1.map { " (axis \($0.rawValue))" } ?? "") }
        .joined(separator: ", ")
      let how =
        axis == .latitude
        ? "axis Y, standard_name latitude or units degrees_north"
        : "axis X, standard_name longitude or units degrees_east"
      throw ReduceError(
        "--weights \(kind) needs a \(axis == .latitude ? "latitude" : "longitude") dimension "
          + "(a coordinate variable with \(how)) in \(what); its dimensions are \(described)")
    }
    return index
  }

  private func slice(_ values: [Double], along axis: Int) -> [Double] {
    Array(values[origin[axis]..<(origin[axis] + extent[axis])])
  }

  /// cos(latitude), or zone areas sin(north) - sin(south) from the latitude's bounds.
  private func latitudeWeights(_ lat: Int, _ file: borrowing File) throws -> [Double] {
    if let bounds = try cellBounds(of: lat, file) {
      return bounds.map(zoneArea)
    }
    let degrees: [Double] = try file.dataset(names[lat]).readAll()
    return degrees.map { max(0, cos($0 * .pi / 180)) }
  }

  /// The area of the zone between two latitudes on the unit sphere, over 2 pi.
  private func zoneArea(_ bounds: (Double, Double)) -> Double {
    abs(sin(bounds.1 * .pi / 180) - sin(bounds.0 * .pi / 180))
  }

  /// The (first, second) bound of every cell along a dimension, if its coordinate names
  /// bounds; a named but absent or misshapen bounds variable is an error.
  private func cellBounds(of axis: Int, _ file: borrowing File) throws -> [(Double, Double)]? {
    let name = names[axis]
    guard file.hasDataset(name) else { return nil }
    let coordinate = try file.dataset(name)
    guard let boundsName = try coordinate.attribute("bounds")?.string else { return nil }
    guard file.hasDataset(boundsName) else {
      throw ReduceError(
        "coordinate '\(name)' in \(file.path) names bounds '\(boundsName)', which does not exist")
    }
    let bounds = try file.dataset(boundsName)
    guard bounds.shape == [shape[axis], 2] else {
      throw ReduceError(
        "bounds '\(boundsName)' of '\(name)' in \(file.path) have shape \(bounds.shape), not [\(shape[axis]), 2]"
      )
    }
    let b: [Double] = try bounds.readAll()
    return (0..<shape[axis]).map { (b[2 * $0], b[2 * $0 + 1]) }
  }

  /// The area variable named by the data's `cell_measures` ("area: NAME"), if any.
  private func cellMeasure(_ file: borrowing File) throws -> String? {
    guard let text = try file.dataset(variable).attribute("cell_measures")?.string else {
      return nil
    }
    let words = text.split(separator: " ").map(String.init)
    guard let at = words.firstIndex(of: "area:") else { return nil }
    guard at + 1 < words.count else {
      throw ReduceError("\(what): cell_measures '\(text)' names no variable after 'area:'")
    }
    let name = words[at + 1]
    guard file.hasDataset(name) else {
      throw ReduceError(
        "\(what): cell_measures names the area variable '\(name)', which is not in the file "
          + "(CF external_variables); pass a file that has it, or use --weights coslat")
    }
    return name
  }

  /// Cell areas in m² from the latitude bounds (and the longitude bounds, if the data has
  /// a longitude: else whole zones).
  private func boundsAreas(_ file: borrowing File) throws -> BuiltWeights {
    let lat = try axis(.latitude)
    guard let latBounds = try cellBounds(of: lat, file) else {
      throw ReduceError(
        "--weights area: \(what) has no cell_measures and its latitude '\(names[lat])' has no bounds; "
          + "add them (cdo genbounds-style lat_bnds) or use --weights coslat")
    }
    let zones = slice(
      latBounds.map(zoneArea), along: lat)
    guard let lon = axes.firstIndex(of: .longitude) else {
      return BuiltWeights(
        values: zones.map { $0 * 2 * .pi * earthRadius * earthRadius }, axes: [lat])
    }
    guard let lonBounds = try cellBounds(of: lon, file) else {
      throw ReduceError(
        "--weights area: \(what) has no cell_measures and its longitude '\(names[lon])' has no bounds; "
          + "add them or use --weights coslat")
    }
    // A cell that crosses the date line ([359.5, 0.5]) spans 1 degree, not 359.
    let widths = slice(
      lonBounds.map { pair -> Double in
        let span = (pair.1 - pair.0).truncatingRemainder(dividingBy: 360)
        return abs(span < -180 ? span + 360 : span > 180 ? span - 360 : span) * .pi / 180
      }, along: lon)
    let r2 = earthRadius * earthRadius
    var values: [Double] = []
    values.reserveCapacity(zones.count * widths.count)
    if lat < lon {
      for z in zones { for w in widths { values.append(r2 * z * w) } }
    } else {
      for w in widths { for z in zones { values.append(r2 * z * w) } }
    }
    return BuiltWeights(values: values, axes: [min(lat, lon), max(lat, lon)])
  }

  /// A variable of the file whose dimensions are some of the data's, in the same order and
  /// of the same lengths; read over the selected box. Missing, NaN or negative weights are
  /// errors, as in xarray's `weighted`.
  private func variableWeights(
    _ name: String, via option: String, _ file: borrowing File
  ) throws -> BuiltWeights {
    guard file.hasDataset(name) else {
      throw ReduceError("\(option) '\(name)': there is no variable '\(name)' in \(file.path)")
    }
    let weights = try file.dataset(name)
    let weightNames = try weights.dimensionNames()
    let described = "weights '\(name)' (\(weightNames.joined(separator: ", "))) in \(file.path)"
    var weightAxes: [Int] = []
    for (k, dimension) in weightNames.enumerated() {
      guard let axis = names.firstIndex(of: dimension) else {
        throw ReduceError(
          "\(described): dimension '\(dimension)' is not one of \(variable)'s (\(names.joined(separator: ", ")))"
        )
      }
      guard weightAxes.last.map({ $0 < axis }) ?? true else {
        throw ReduceError(
          "\(described): the dimensions are not in \(variable)'s order (\(names.joined(separator: ", ")))"
        )
      }
      guard weights.shape[k] == shape[axis] else {
        throw ReduceError(
          "\(described): '\(dimension)' has length \(weights.shape[k]), \(variable)'s \(shape[axis])"
        )
      }
      weightAxes.append(axis)
    }
    guard !weightAxes.isEmpty else {
      throw ReduceError("\(described) is a scalar: it cannot weight anything")
    }
    let values: [Double] = try weights.read(
      start: weightAxes.map { origin[$0] }, count: weightAxes.map { extent[$0] })
    let decoding = try CFDecoding.read(from: weights)
    var decoded = values
    decoded.withUnsafeMutableBufferPointer { decoding.decode($0) }
    if let bad = decoded.firstIndex(where: { $0.isNaN }) {
      throw ReduceError(
        "\(described): value \(bad) of the selection is missing (fill value, outside the valid range or NaN); weights cannot be missing"
      )
    }
    if let bad = decoded.firstIndex(where: { $0 < 0 }) {
      throw ReduceError("\(described): value \(bad) of the selection is negative (\(decoded[bad]))")
    }
    return BuiltWeights(values: decoded, axes: weightAxes)
  }
}
