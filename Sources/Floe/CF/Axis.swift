import FloeHDF5

/// A CF coordinate axis, recognised by a coordinate variable's attributes rather than its
/// name, so that `--over time` finds a dimension named `TIME` or `t`, and `lat` finds `COADSY`.
public enum Axis: String, Sendable, CaseIterable {
  case time = "T", latitude = "Y", longitude = "X", vertical = "Z"

  /// The axis a user means by a name: time / t, lat / latitude / y, lon / longitude / x,
  /// lev / level / plev / z / height / depth.
  public init?(alias: String) {
    switch alias.lowercased() {
    case "time", "t": self = .time
    case "lat", "latitude", "y": self = .latitude
    case "lon", "longitude", "x": self = .longitude
    case "lev", "level", "plev", "z", "height", "depth": self = .vertical
    default: return nil
    }
  }

  /// The axis of a coordinate variable by CF: its `axis` attribute, else its
  /// `standard_name`, else its `units` (time units, degrees_north, degrees_east), else
  /// `positive` (vertical).
  static func of(_ coordinate: borrowing Dataset) throws -> Axis? {
    if let axis = try coordinate.attribute("axis")?.string,
      let found = Axis(rawValue: axis.uppercased())
    {
      return found
    }
    switch try coordinate.attribute("standard_name")?.string {
    case "time"?: return .time
    case "latitude"?, "grid_latitude"?: return .latitude
    case "longitude"?, "grid_longitude"?: return .longitude
    case "air_pressure"?, "altitude"?, "height"?, "depth"?, "model_level_number"?: return .vertical
    default: break
    }
    if let units = try coordinate.attribute("units")?.string?.lowercased() {
      if units.contains(" since ") { return .time }
      let compact = units.replacingOccurrences(of: "_", with: "").replacingOccurrences(
        of: " ", with: "")
      if ["degreesnorth", "degreenorth", "degreen", "degreesn"].contains(compact) {
        return .latitude
      }
      if ["degreeseast", "degreeeast", "degreee", "degreese"].contains(compact) {
        return .longitude
      }
    }
    if try coordinate.attribute("positive") != nil { return .vertical }
    return nil
  }

  /// The CF axis of each dimension of a variable (nil where there is no coordinate
  /// variable or it says nothing).
  static func axes(ofDimensions names: [String], in file: borrowing File) throws -> [Axis?] {
    try names.map { name in
      guard file.hasDataset(name) else { return nil }
      let coordinate = try file.dataset(name)
      guard coordinate.shape.count == 1, !coordinate.isDimensionOnly else { return nil }
      return try Axis.of(coordinate)
    }
  }
}
