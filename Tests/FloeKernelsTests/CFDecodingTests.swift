import FloeKernels
import XCTest

final class CFDecodingTests: XCTestCase {
  func testPackedShortsUnpackAfterMaskingInStoredUnits() {
    // short with scale 0.01, offset 273.15, _FillValue -32767, valid_range -3000..5000.
    let decoding = CFDecoding(
      missing: [-32767], validMin: -3000, validMax: 5000, scale: 0.01, offset: 273.15)
    var values: [Double] = [100, -32767, 5000, 5001, -3000, -3001]
    values.withUnsafeMutableBufferPointer { decoding.decode($0) }
    XCTAssertEqual(values[0], 274.15, accuracy: 1e-12)
    XCTAssertTrue(values[1].isNaN)
    XCTAssertEqual(values[2], 323.15, accuracy: 1e-12)
    XCTAssertTrue(values[3].isNaN)
    XCTAssertEqual(values[4], 243.15, accuracy: 1e-12)
    XCTAssertTrue(values[5].isNaN)
    XCTAssertTrue(decoding.needsPass)
    XCTAssertEqual(decoding.kernelMissing, MissingValues())
  }

  func testFloatValidRangeComparesInFloat() {
    let decoding = CFDecoding(missing: [Double(Float(1e20))], validMin: 200, validMax: 330)
    var values: [Float] = [250, 1e20, 199.9, 330, 330.1, .nan]
    values.withUnsafeMutableBufferPointer { decoding.decode($0) }
    XCTAssertEqual(values[0], 250)
    XCTAssertTrue(values[1].isNaN && values[2].isNaN && values[4].isNaN && values[5].isNaN)
    XCTAssertEqual(values[3], 330)
  }

  func testNoPassWhenOnlyFillValues() {
    let decoding = CFDecoding(missing: [1e20])
    XCTAssertFalse(decoding.needsPass)
    XCTAssertEqual(decoding.kernelMissing, MissingValues([1e20]))
  }

  /// No, one, two (two comparisons) and three (a search of the list) missing values.
  func testFloatMissingValuesBecomeNaNHoweverManyThereAre() {
    let lists: [[Float]] = [[], [-999], [-999, 1e20], [-999, 1e20, 7]]
    for missing in lists {
      let decoding = CFDecoding(missing: missing.map(Double.init))
      var values: [Float] = [-999, 1e20, 7, 250, .nan, -.infinity]
      values.withUnsafeMutableBufferPointer { decoding.decode($0) }
      let expected: [Float] = [-999, 1e20, 7, 250, .nan, -.infinity].map {
        missing.contains($0) ? .nan : $0
      }
      XCTAssertEqual(
        values.map(\.bitPattern), expected.map(\.bitPattern), "missing \(missing)")
    }
  }
}
