import Floe
import FloeHDF5
import Foundation
import XCTest

/// Every statistic against a plain serial computation written out here, on files with fill
/// values, chunks that do not divide the shape (edge chunks), deflate compression, packed
/// int16 data, 1-D to 4-D variables and odd dimension names.
final class SerialReferenceTests: XCTestCase {
  var directory: URL!
  var input: String!

  /// The variables: name, dimensions, shape, chunks, how stored.
  enum Storage { case float32, float64, packedInt16 }
  struct Variable {
    var name: String
    var dimensions: [String]
    var shape: [Int]
    var chunks: [Int]
    var storage: Storage
    var deflate: Int?
  }
  let variables = [
    Variable(
      name: "series", dimensions: ["t"], shape: [37], chunks: [5], storage: .float64, deflate: nil),
    Variable(
      name: "tas", dimensions: ["t", "y", "x"], shape: [37, 7, 11], chunks: [5, 4, 6],
      storage: .float32, deflate: 2),
    Variable(
      name: "ta", dimensions: ["t", "level.1", "y", "x-odd name"], shape: [37, 3, 7, 4],
      chunks: [4, 2, 3, 3], storage: .float32, deflate: 1),
    Variable(
      name: "sst", dimensions: ["t", "y", "x"], shape: [37, 7, 11], chunks: [6, 7, 5],
      storage: .packedInt16, deflate: 4),
  ]
  let lengths = ["t": 37, "y": 7, "x": 11, "level.1": 3, "x-odd name": 4]
  let scale = Float(0.01)
  let offset = Float(273.15)

  /// The physical values of each variable (NaN where missing), as the test wrote them.
  var physical: [String: [Double]] = [:]

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "floe-serial-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    addTeardownBlock { [directory] in try? FileManager.default.removeItem(at: directory!) }
    input = directory.appendingPathComponent("in.nc").path
    let file = try File.create(input)
    for name in ["t", "y", "x", "level.1", "x-odd name"] {
      try file.createDimension(name, length: lengths[name]!)
    }
    var state: UInt64 = 12345
    func random() -> Double {  // a fixed LCG: the same data on every machine
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    for v in variables {
      let n = v.shape.reduce(1, *)
      // About 10% missing, and one point missing at every step (all missing: the fill value).
      let plane = n / v.shape[0]
      let values = (0..<n).map { i -> Double in
        random() < 0.1 || (plane > 1 && i % plane == 1) ? .nan : 250 + 60 * random()
      }
      switch v.storage {
      case .float64:
        let dataset = try file.createVariable(
          v.name, type: .float64, dimensions: v.dimensions,
          options: VariableOptions(chunkShape: v.chunks, fillValue: .float64([-1e30])))
        try dataset.writeAll(values.map { $0.isNaN ? -1e30 : $0 })
        physical[v.name] = values
      case .float32:
        let dataset = try file.createVariable(
          v.name, type: .float32, dimensions: v.dimensions,
          options: VariableOptions(
            chunkShape: v.chunks, deflateLevel: v.deflate, fillValue: .float32([1e20])))
        try dataset.writeAll(values.map { $0.isNaN ? Float(1e20) : Float($0) })
        physical[v.name] = values.map { $0.isNaN ? .nan : Double(Float($0)) }
      case .packedInt16:
        let dataset = try file.createVariable(
          v.name, type: .int16, dimensions: v.dimensions,
          options: VariableOptions(
            chunkShape: v.chunks, deflateLevel: v.deflate, fillValue: .int16([-32767])))
        try dataset.setAttribute("scale_factor", .numbers(.float32([scale])))
        try dataset.setAttribute("add_offset", .numbers(.float32([offset])))
        let packed = values.map { x -> Int16 in
          x.isNaN ? -32767 : Int16((x - Double(offset)) / Double(scale))
        }
        try dataset.writeAll(packed)
        // CF: value * scale_factor + add_offset, with the attributes' float32 values.
        physical[v.name] = packed.map {
          $0 == -32767 ? .nan : Double($0) * Double(scale) + Double(offset)
        }
      }
    }
  }

  /// The serial reference of `statistic` over the `over` dimensions of `v`: for each output
  /// point, its valid values in row-major order, then the textbook formula. nil: no value.
  func reference(_ v: Variable, _ statistic: Statistic, over: Set<Int>) -> [Double?] {
    let data = physical[v.name]!
    let keptShape = v.shape.indices.filter { !over.contains($0) }.map { v.shape[$0] }
    var groups = [[Double]](repeating: [], count: keptShape.reduce(1, *))
    var index = [Int](repeating: 0, count: v.shape.count)
    for x in data {
      var point = 0
      for d in v.shape.indices where !over.contains(d) { point = point * v.shape[d] + index[d] }
      if !x.isNaN { groups[point].append(x) }
      var d = v.shape.count - 1
      while d >= 0 {
        index[d] += 1
        if index[d] < v.shape[d] { break }
        index[d] = 0
        d -= 1
      }
    }
    return groups.map { values -> Double? in
      let n = Double(values.count)
      if case .count = statistic { return n }
      guard !values.isEmpty else { return nil }
      let mean = values.reduce(0, +) / n
      switch statistic {
      case .mean: return mean
      case .sum: return values.reduce(0, +)
      case .min: return values.min()!
      case .max: return values.max()!
      case .variance: return values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
      case .standardDeviation:
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
      case .percentile(let q):
        let sorted = values.sorted()
        let rank = q / 100 * (n - 1)
        let low = Int(rank.rounded(.down))
        let high = Swift.min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
      case .count: return n
      }
    }
  }

  func run(_ v: Variable, _ statistic: Statistic, over: [String]) throws -> (
    values: [Double], fill: Double, isFloat32: Bool
  ) {
    let output = directory.appendingPathComponent("\(v.name)-\(statistic)-\(over.count).nc").path
    _ = try Reduction.run(
      ReduceRequest(
        input: input, variable: v.name, statistic: statistic, over: over, output: output,
        memoryPerRank: MemorySize(bytes: 1 << 20)),
      world: try MPI.initialize()
    ) { _ in }
    let result = try File.open(output).dataset(v.name)
    let fill = try result.attribute("_FillValue")?.doubles?.first ?? .nan
    return (try result.readAll(Double.self), fill, result.dataType == .numeric(.float32))
  }

  func check(_ v: Variable, _ statistic: Statistic, over: [String]) throws {
    let overIndices = Set(over.map { v.dimensions.firstIndex(of: $0)! })
    let want = reference(v, statistic, over: overIndices)
    let (got, fill, isFloat32) = try run(v, statistic, over: over)
    XCTAssertEqual(got.count, want.count, "\(v.name) \(statistic)")
    for (p, (g, w)) in zip(got, want).enumerated() {
      let what = "\(v.name) \(statistic) over \(over) point \(p)"
      guard let w else {
        XCTAssertEqual(g, fill, what)
        continue
      }
      // float32 results are the float64 result rounded once: within one float32 step.
      let tolerance = isFloat32 ? Double(Float(w).ulp) : abs(w) * 1e-12
      XCTAssertEqual(g, w, accuracy: tolerance, what)
    }
  }

  let statistics: [Statistic] = [
    .mean, .sum, .min, .max, .count, .variance, .standardDeviation, .percentile(50),
    .percentile(95),
  ]

  func testEveryStatisticOverTime() throws {
    for v in variables {
      for statistic in statistics { try check(v, statistic, over: ["t"]) }
    }
  }

  func testEveryStatisticOverOtherDimensions() throws {
    let reductions: [(String, [String])] = [
      ("tas", ["y", "x"]), ("tas", ["x"]), ("ta", ["level.1"]), ("ta", ["t", "x-odd name"]),
      ("sst", ["t", "y", "x"]), ("series", ["t"]),
    ]
    for (name, over) in reductions {
      let v = variables.first { $0.name == name }!
      for statistic in statistics {
        if case .percentile = statistic { continue }  // percentiles reduce over time only
        try check(v, statistic, over: over)
      }
    }
  }
}
