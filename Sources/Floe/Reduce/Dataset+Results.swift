import FloeHDF5

extension Dataset {
  /// Writes results computed in float64 into this float32 or float64 variable, NaN (no
  /// valid input) as `fill`: the one way every job writes its output.
  func writeResults(_ values: [Double], fill: Double, start: [Int], count: [Int]) throws {
    if dataType == .numeric(.float32) {
      try values.map { $0.isNaN ? Float(fill) : Float($0) }.withUnsafeBufferPointer {
        try write($0, start: start, count: count)
      }
    } else {
      try values.map { $0.isNaN ? fill : $0 }.withUnsafeBufferPointer {
        try write($0, start: start, count: count)
      }
    }
  }
}
