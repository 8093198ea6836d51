import FloeHDF5
import Foundation

/// Several files that continue one variable along its record dimension, checked and put in
/// time order, as `ncrcat` and xarray's `open_mfdataset` take them.
struct Concatenation {
  /// The files in time order, the record steps of each, and their time values in the
  /// first file's units (empty when the record dimension has no time coordinate).
  var files: [String]
  var steps: [Int]
  var times: [Double]
  /// The time coordinate's cell bounds (two per step, same units), if the files have them.
  var bounds: [Double]?
  /// Whether a part of a chunk reads alone in every file (`Dataset.partsReadAlone`).
  var partsReadAlone: Bool

  static func make(_ paths: [String], variable: String) throws -> Concatenation {
    struct Part {
      var path: String
      var steps: Int
      var times: [Double]
      var bounds: [Double]?
    }
    var parts: [Part] = []
    var reference:
      (
        type: DataType, names: [String], shape: [Int], units: String?, timeUnits: String?,
        calendar: String?
      )?
    var referenceAxis: TimeAxis?
    var partsReadAlone = true
    for path in paths {
      let file = try File.open(path)
      let dataset = try file.dataset(variable)
      let names = try dataset.dimensionNames()
      let units = try dataset.attribute("units")?.string
      partsReadAlone = partsReadAlone && dataset.partsReadAlone
      var timeUnits: String?
      var calendar: String?
      var times: [Double] = []
      var bounds: [Double]?
      if let record = names.first, file.hasDataset(record) {
        let coordinate = try file.dataset(record)
        timeUnits = try coordinate.attribute("units")?.string
        calendar = try coordinate.attribute("calendar")?.string
        times = try coordinate.readAll()
        if let name = try coordinate.attribute("bounds")?.string, file.hasDataset(name) {
          let dataset = try file.dataset(name)
          if dataset.shape == [times.count, 2] { bounds = try dataset.readAll() }
        }
      }
      if let reference {
        func refuse(_ what: String, _ mine: String, _ theirs: String) -> ReduceError {
          ReduceError(
            "\(path) does not continue \(paths[0]): '\(variable)' has \(what) \(mine) there and \(theirs) in \(paths[0])"
          )
        }
        guard dataset.dataType == reference.type else {
          throw refuse("type", "\(dataset.dataType)", "\(reference.type)")
        }
        guard names == reference.names else {
          throw refuse(
            "dimensions", names.joined(separator: ", "), reference.names.joined(separator: ", "))
        }
        guard Array(dataset.shape.dropFirst()) == Array(reference.shape.dropFirst()) else {
          throw refuse("shape", "\(dataset.shape.dropFirst())", "\(reference.shape.dropFirst())")
        }
        guard units == reference.units else {
          throw refuse("units", units ?? "none", reference.units ?? "none")
        }
        guard
          CFCalendar(attribute: calendar ?? "standard")
            == CFCalendar(attribute: reference.calendar ?? "standard")
        else {
          throw refuse("calendar", calendar ?? "standard", reference.calendar ?? "standard")
        }
        // Times in the first file's units ("days since 1850" and "days since 2000" both work).
        if let referenceAxis, let timeUnits, timeUnits != reference.timeUnits {
          let axis = try TimeAxis(
            units: timeUnits, calendar: calendar, coordinate: names[0], file: path)
          times = times.map { referenceAxis.value(axis.date($0)) }
          bounds = bounds?.map { referenceAxis.value(axis.date($0)) }
        }
        guard (bounds == nil) == (parts[0].bounds == nil) else {
          throw ReduceError(
            "\(path) does not continue \(paths[0]): its time coordinate \(bounds == nil ? "has no" : "has") "
              + "bounds, unlike the first's; give every file time bounds or none")
        }
      } else {
        reference = (dataset.dataType, names, dataset.shape, units, timeUnits, calendar)
        if let timeUnits, timeUnits.contains(" since ") {
          referenceAxis = try TimeAxis(
            units: timeUnits, calendar: calendar, coordinate: names[0], file: path)
        }
      }
      parts.append(
        Part(path: path, steps: dataset.shape.first ?? 0, times: times, bounds: bounds))
    }
    // Time order; a file must begin after the one before it ends.
    if parts.allSatisfy({ !$0.times.isEmpty }) {
      parts.sort { $0.times[0] < $1.times[0] }
      for (a, b) in zip(parts, parts.dropFirst()) where b.times[0] <= a.times.last! {
        throw ReduceError(
          "\(a.path) and \(b.path) overlap in time: the first ends at \(a.times.last!), the second begins at \(b.times[0])"
        )
      }
    }
    return Concatenation(
      files: parts.map(\.path), steps: parts.map(\.steps), times: parts.flatMap(\.times),
      bounds: parts[0].bounds == nil ? nil : parts.flatMap { $0.bounds ?? [] },
      partsReadAlone: partsReadAlone)
  }
}
