import CFloeKernels
import XCTest

@testable import FloeKernels

/// The field mean's row sums: the AVX2 loop and the portable Swift loop give the same bits,
/// those of a plain loop that adds in their order (four lanes, the lanes in order, then the
/// last values one by one).
final class WeightedRowSumsTests: XCTestCase {
  func testAVX2AndPortableLoopsAgreeBitForBitWithAPlainLoop() {
    var state: UInt64 = 5
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let m0: Float = 1e20
    let m1: Float = -999
    for n in [0, 1, 3, 4, 5, 13, 720, 723] {
      let x: [Float] = (0..<n).map { _ in
        let u = random()
        return u < 0.05 ? .nan : u < 0.1 ? m0 : u < 0.13 ? m1 : Float(200 + 100 * random())
      }
      let weights = (0..<Swift.max(n, 1)).map { _ in random() }
      for step in [0, 1] {
        // The plain loop in the kernels' order.
        var laneWeights = [Double](repeating: 0, count: 4)
        var laneSums = [Double](repeating: 0, count: 4)
        let whole = n / 4 * 4
        for i in 0..<whole where x[i] == x[i] && x[i] != m0 && x[i] != m1 {
          laneWeights[i % 4] += weights[step * i]
          laneSums[i % 4] += weights[step * i] * Double(x[i])
        }
        var expected = (0.0, 0.0)
        for lane in 0..<4 {
          expected.0 += laneWeights[lane]
          expected.1 += laneSums[lane]
        }
        for i in whole..<n where x[i] == x[i] && x[i] != m0 && x[i] != m1 {
          expected.0 += weights[step * i]
          expected.1 += weights[step * i] * Double(x[i])
        }
        let label = "n \(n), step \(step)"
        let portable = x.withUnsafeBufferPointer { v in
          weights.withUnsafeBufferPointer { w in
            weightedRowSums(
              v.baseAddress ?? UnsafePointer(bitPattern: 4)!, n, m0, m1,
              weights: w.baseAddress!, step: step)
          }
        }
        XCTAssertEqual(portable.0.bitPattern, expected.0.bitPattern, "portable weights, \(label)")
        XCTAssertEqual(portable.1.bitPattern, expected.1.bitPattern, "portable sum, \(label)")
        guard floe_kernels_have_avx2() else { continue }
        var avx2 = (0.0, 0.0)
        x.withUnsafeBufferPointer { v in
          weights.withUnsafeBufferPointer { w in
            floe_weighted_row_sums_avx2(
              v.baseAddress, n, m0, m1, w.baseAddress, step, &avx2.0, &avx2.1)
          }
        }
        XCTAssertEqual(avx2.0.bitPattern, expected.0.bitPattern, "AVX2 weights, \(label)")
        XCTAssertEqual(avx2.1.bitPattern, expected.1.bitPattern, "AVX2 sum, \(label)")
      }
    }
  }
}
