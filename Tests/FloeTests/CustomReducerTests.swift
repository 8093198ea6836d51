import Floe
import FloeHDF5
import Foundation
import XCTest

// The README's example, word for word: a reducer of your own, run on Floe's scheduler.

/// The spread (largest minus smallest value) of each point over the reduced dimensions.
struct Spread: Reducer {
  var name: String { "range" }
  var fieldsPerPoint: Int { 3 }  // count, smallest, largest

  func makePartial(points: Int) -> Partial {
    var partial = Partial(points: points, fields: 3)
    partial.withField(1) { $0.update(repeating: .infinity) }
    partial.withField(2) { $0.update(repeating: -.infinity) }
    return partial
  }

  func accumulate(_ block: Block, into partial: inout Partial) {
    partial.withFields { f in
      block.forEachValidValue { value, point in
        f[0][point] += 1
        f[1][point] = min(f[1][point], value)
        f[2][point] = max(f[2][point], value)
      }
    }
  }

  func merge(_ right: Partial, into left: inout Partial) {
    let n = left.points
    for p in 0..<n {
      left.storage[p] += right.storage[p]
      left.storage[n + p] = min(left.storage[n + p], right.storage[n + p])
      left.storage[2 * n + p] = max(left.storage[2 * n + p], right.storage[2 * n + p])
    }
  }

  func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    for p in 0..<n {
      output[p] =
        partial.storage[p] > 0 ? partial.storage[2 * n + p] - partial.storage[n + p] : .nan
    }
  }
}

final class CustomReducerTests: XCTestCase {
  func testASpreadReducerOnTheScheduler() throws {
    let world = try MPI.initialize()
    let (directory, input) = try generatedInput(
      shape: [50, 6, 8], chunks: [7, 6, 8], seed: 2, fillFraction: 0.1)

    // From the README:
    let request = ReduceRequest(
      input: input, variable: "tas", statistic: .max, over: ["time"],
      output: directory.appendingPathComponent("tas_range.nc").path, customReducer: Spread())
    let summary = try Reduction.run(request, world: world) { print($0) }

    XCTAssertEqual(summary?.units, 1)
    let data: [Float] = try File.open(input).dataset("tas").readAll()
    let output = try File.open(request.output)
    let got: [Float] = try output.dataset("tas").readAll()
    for p in 0..<48 {
      let column = (0..<50).map { data[$0 * 48 + p] }.filter { $0 != 1e20 }
      XCTAssertEqual(got[p], column.max()! - column.min()!, "point \(p)")
    }
    XCTAssertEqual(
      try output.dataset("tas").attribute("cell_methods"), .text("time: mean time: range"))
  }
}
