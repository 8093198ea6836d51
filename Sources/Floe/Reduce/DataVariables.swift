import FloeHDF5

extension ReduceRequest {
  /// The data variables of a file with their dimension names: numeric variables that are
  /// not coordinates, cell bounds, climatology bounds, cell measures or dimensions.
  /// CDO-style commands reduce them all, as CDO does.
  public static func dataVariables(in path: String) throws -> [(name: String, dimensions: [String])]
  {
    let file = try File.open(path)
    var auxiliary = Set<String>()
    var candidates: [(name: String, dimensions: [String])] = []
    for name in try file.datasetNames() {
      let dataset = try file.dataset(name)
      for attribute in ["bounds", "climatology"] {
        if let target = try dataset.attribute(attribute)?.string { auxiliary.insert(target) }
      }
      // "area: cell_area volume: cell_volume": every second word names a measure.
      if let measures = try dataset.attribute("cell_measures")?.string {
        let words = measures.split(separator: " ")
        for (i, word) in words.enumerated() where i % 2 == 1 { auxiliary.insert(String(word)) }
      }
      if case .numeric = dataset.dataType, !dataset.isDimensionScale, !dataset.shape.isEmpty {
        candidates.append((name, try dataset.dimensionNames()))
      }
    }
    return candidates.filter { !auxiliary.contains($0.name) }
  }
}
