import FloeHDF5

extension ReduceRequest {
  /// The data variables of a file: numeric variables that are not coordinates, not cell
  /// bounds and not dimensions. CDO-style commands reduce the one there is.
  public static func dataVariables(in path: String) throws -> [String] {
    let file = try File.open(path)
    var bounds = Set<String>()
    var candidates: [String] = []
    for name in try file.datasetNames() {
      let dataset = try file.dataset(name)
      for attribute in ["bounds", "climatology"] {
        if let target = try dataset.attribute(attribute)?.string { bounds.insert(target) }
      }
      if case .numeric = dataset.dataType, !dataset.isDimensionScale, !dataset.shape.isEmpty {
        candidates.append(name)
      }
    }
    return candidates.filter { !bounds.contains($0) }
  }
}
