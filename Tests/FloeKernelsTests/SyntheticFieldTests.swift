import FloeKernels
import XCTest

final class SyntheticFieldTests: XCTestCase {
  func testCoordinates() {
    let field = SyntheticField(times: 4, latitudes: 5, longitudes: 8, seed: 1, fillFraction: 0)
    XCTAssertEqual((0..<5).map(field.latitude), [-90, -45, 0, 45, 90])
    XCTAssertEqual((0..<8).map(field.longitude), [0, 45, 90, 135, 180, 225, 270, 315])
    XCTAssertEqual((0..<4).map(field.time), [0, 1, 2, 3])
  }

  /// What a rank writes for a block of time steps equals the same steps of the whole.
  func testBlocksMatchTheWholeWhateverTheSplit() {
    let field = SyntheticField(times: 10, latitudes: 3, longitudes: 4, seed: 99, fillFraction: 0.3)
    let plane = 12
    var whole = [Float](repeating: 0, count: 10 * plane)
    whole.withUnsafeMutableBufferPointer { field.fill($0, firstTime: 0, steps: 10) }
    var part = [Float](repeating: 0, count: 3 * plane)
    part.withUnsafeMutableBufferPointer { field.fill($0, firstTime: 7, steps: 3) }
    XCTAssertEqual(part, Array(whole[(7 * plane)...]))
  }

  func testValuesArePlausibleAndMissingAtTheRequestedRate() {
    let field = SyntheticField(
      times: 365, latitudes: 19, longitudes: 36, seed: 5, fillFraction: 0.1)
    var values = [Float](repeating: 0, count: 365 * 19 * 36)
    values.withUnsafeMutableBufferPointer { field.fill($0, firstTime: 0, steps: 365) }
    let missing = values.filter { $0 == field.fillValue }.count
    let rate = Double(missing) / Double(values.count)
    XCTAssertEqual(rate, 0.1, accuracy: 0.01)
    let present = values.filter { $0 != field.fillValue }
    XCTAssertGreaterThan(present.min()!, 220)
    XCTAssertLessThan(present.max()!, 330)
    // The equator is warmer than the poles on average.
    func zonalMean(_ j: Int) -> Double {
      var sum = 0.0
      var n = 0
      for t in 0..<365 {
        for i in 0..<36 {
          let v = values[(t * 19 + j) * 36 + i]
          if v != field.fillValue { sum += Double(v); n += 1 }
        }
      }
      return sum / Double(n)
    }
    XCTAssertGreaterThan(zonalMean(9), zonalMean(0) + 30)
    // Different seeds give different noise.
    let other = SyntheticField(times: 1, latitudes: 19, longitudes: 36, seed: 6, fillFraction: 0.1)
    var first = [Float](repeating: 0, count: 19 * 36)
    first.withUnsafeMutableBufferPointer { other.fill($0, firstTime: 0, steps: 1) }
    XCTAssertNotEqual(first, Array(values[0..<(19 * 36)]))
  }
}
