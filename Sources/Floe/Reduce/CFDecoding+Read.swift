import FloeHDF5
import FloeKernels

extension CFDecoding {
  /// Reads a variable's CF attributes: `_FillValue`, `missing_value`, `valid_min`,
  /// `valid_max`, `valid_range`, `scale_factor`, `add_offset`.
  static func read(from dataset: borrowing Dataset) throws -> CFDecoding {
    func numbers(_ name: String) throws -> [Double]? { try dataset.attribute(name)?.doubles }
    var decoding = CFDecoding()
    decoding.missing = (try numbers("_FillValue") ?? []) + (try numbers("missing_value") ?? [])
    if let range = try numbers("valid_range") {
      guard range.count == 2, range[0] <= range[1] else {
        throw ReduceError(
          "'\(dataset.name)' in \(dataset.file): valid_range must be two increasing numbers; it is \(range)"
        )
      }
      decoding.validMin = range[0]
      decoding.validMax = range[1]
    }
    decoding.validMin = try numbers("valid_min")?.first ?? decoding.validMin
    decoding.validMax = try numbers("valid_max")?.first ?? decoding.validMax
    decoding.scale = try numbers("scale_factor")?.first
    decoding.offset = try numbers("add_offset")?.first
    return decoding
  }
}
