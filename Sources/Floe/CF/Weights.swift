import FloeHDF5
import Foundation

/// What a weighted statistic weights each value by.
public enum WeightKind: String, Sendable, Codable, CaseIterable {
  /// cos(latitude), or the exact spherical-zone area sin(north) - sin(south) from the
  /// latitude's cell bounds where the file has them.
  case coslat
}

extension WeightKind {
  /// The weight of each index along the latitude dimension `name`. Throws, naming the
  /// variable, when latitude cannot be found: never a silent fallback to equal weights.
  func latitudeWeights(dimension name: String, in file: borrowing File) throws -> [Double] {
    let latitude = try file.dataset(name)
    let degrees: [Double] = try latitude.readAll()
    if let boundsName = try latitude.attribute("bounds")?.string {
      guard file.hasDataset(boundsName) else {
        throw ReduceError(
          "latitude '\(name)' in \(file.path) names bounds '\(boundsName)', which does not exist")
      }
      let bounds = try file.dataset(boundsName)
      guard bounds.shape == [degrees.count, 2] else {
        throw ReduceError(
          "latitude bounds '\(boundsName)' in \(file.path) have shape \(bounds.shape), not [\(degrees.count), 2]"
        )
      }
      let b: [Double] = try bounds.readAll()
      return (0..<degrees.count).map {
        abs(sin(b[2 * $0 + 1] * .pi / 180) - sin(b[2 * $0] * .pi / 180))
      }
    }
    return degrees.map { max(0, cos($0 * .pi / 180)) }
  }
}
