import CFloeKernels
import XCTest

@testable import FloeKernels

/// The AVX2 loop and the portable Swift loop give the same bits, and both are a plain
/// per-point loop's.
final class TimeSumsTests: XCTestCase {
  func testAVX2AndPortableLoopsAgreeBitForBitWithAPlainLoop() throws {
    // Several blocks of 32 and of 16 points, then single vectors of 8 (with 29), and points
    // that are not a multiple of 8; a run shorter than one vector.
    for points in [3 * 1024 + 37, 3 * 1024 + 29, 7] { try agreeBitForBit(points: points) }
  }

  func agreeBitForBit(points: Int) throws {
    let steps = 13
    var state: UInt64 = 9
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let values: [Float] = (0..<(steps * points)).map { _ in
      let u = random()
      return u < 0.03 ? .nan : u < 0.06 ? 1e20 : u < 0.08 ? -999 : Float(200 + 100 * random())
    }
    // Totals to continue from, as a second piece of a unit would.
    let start = (0..<points).map { _ in (Double(Int(random() * 5)), 1000 * random(), 1e5 * random())
    }
    // The plain loop, from the totals given.
    func plainLoop(from start: [(Double, Double, Double)]) -> [(Double, Double, Double)] {
      var plain = start
      for p in 0..<points {
        for t in 0..<steps {
          let v = values[t * points + p]
          guard v == v, v != 1e20, v != -999 else { continue }
          plain[p].0 += 1
          plain[p].1 += Double(v)
          plain[p].2 += Double(v) * Double(v)
        }
      }
      return plain
    }
    let continued = plainLoop(from: start)
    // Fresh: from zero, whatever the buffers held (here the totals above).
    let fromZero = plainLoop(from: [(Double, Double, Double)](repeating: (0, 0, 0), count: points))
    for (fresh, withSquares) in [(false, false), (false, true), (true, false), (true, true)] {
      let plain = fresh ? fromZero : continued
      var results: [[UInt64]] = []
      for avx2 in [false, true] {
        if avx2 && !floe_kernels_have_avx2() { continue }
        var count = start.map(\.0)
        var sum = start.map(\.1)
        var squares = start.map(\.2)
        values.withUnsafeBufferPointer { v in
          count.withUnsafeMutableBufferPointer { c in
            sum.withUnsafeMutableBufferPointer { s in
              squares.withUnsafeMutableBufferPointer { q in
                if avx2 {
                  floe_time_sums_avx2(
                    v.baseAddress, steps, points, 1e20, -999, fresh, c.baseAddress,
                    s.baseAddress, withSquares ? q.baseAddress : nil)
                } else {
                  timeSums(
                    v, points: points, missing: 1e20, -999, fresh: fresh, count: c, sum: s,
                    squares: withSquares ? q : nil)
                }
              }
            }
          }
        }
        let label = "avx2 \(avx2), fresh \(fresh), \(points) points"
        XCTAssertEqual(count, plain.map(\.0), "counts, \(label)")
        XCTAssertEqual(sum.map(\.bitPattern), plain.map(\.1.bitPattern), "sums, \(label)")
        if withSquares {
          XCTAssertEqual(squares.map(\.bitPattern), plain.map(\.2.bitPattern), "squares, \(label)")
        } else {
          XCTAssertEqual(squares, start.map(\.2), "squares untouched, \(label)")
        }
        results.append(sum.map(\.bitPattern))
      }
      XCTAssertTrue(floe_kernels_have_avx2() ? results.count == 2 : results.count == 1)
    }
  }

  func testTimeExtremesAreAPlainLoops() {
    let steps = 11
    let points = 3072 + 1030  // two blocks, and a tail that is not a multiple of 4
    var state: UInt64 = 4
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let values: [Float] = (0..<(steps * points)).map { _ in
      let u = random()
      return u < 0.05 ? .nan : u < 0.1 ? 1e20 : Float(200 + 100 * random())
    }
    for largest in [false, true] {
      // Continuing from a first piece's totals (some points not seen yet: +-infinity).
      let start: [(Double, Double)] = (0..<points).map { p in
        p % 3 == 0 ? (0, largest ? -.infinity : .infinity) : (2, Double(Float(250 + 10 * random())))
      }
      var count = start.map(\.0)
      var best = start.map(\.1)
      values.withUnsafeBufferPointer { v in
        count.withUnsafeMutableBufferPointer { c in
          best.withUnsafeMutableBufferPointer { b in
            timeExtremes(
              v, points: points, missing: 1e20, .nan, largest: largest, count: c, best: b)
          }
        }
      }
      for p in 0..<points {
        var n = start[p].0
        var m = start[p].1
        for t in 0..<steps {
          let v = values[t * points + p]
          guard !v.isNaN, v != 1e20 else { continue }
          n += 1
          m = largest ? max(m, Double(v)) : min(m, Double(v))
        }
        XCTAssertEqual(count[p], n, "point \(p)")
        XCTAssertEqual(best[p].bitPattern, m.bitPattern, "point \(p) largest \(largest)")
      }
    }
  }
}
