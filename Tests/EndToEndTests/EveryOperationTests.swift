import FloeHDF5
import Foundation
import XCTest

/// Every operation of `floe reduce` and `floe anomaly`, run under mpirun at 1, 2, 3 and 5
/// ranks, writes the same bytes; several variables in one pass write the bytes each
/// variable's own run writes.
final class EveryOperationTests: ScratchTestCase {
  /// Two years of daily steps on a 10-degree grid, in chunks that do not divide the shape
  /// (edge chunks along every dimension); tas (float32, fill 1e20) from `floe gen`, and pr
  /// added here: float32 with its own fill value, missing where tas is and at every 7th value.
  func makeInput() throws -> String {
    let path = directory.appendingPathComponent("in.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        2, "floe",
        [
          "gen", "-o", path, "--shape", "731,19,36", "--chunks", "40,7,20", "--fill-fraction",
          "0.05", "--seed", "11",
        ]), "gen")
    let file = try File.open(path, writable: true)
    let tas: [Float] = try file.dataset("tas").readAll()
    let pr = tas.indices.map { i -> Float in tas[i] == 1e20 || i % 7 == 0 ? -999 : tas[i] * 0.001 }
    let variable = try file.createVariable(
      "pr", type: .float32, dimensions: ["time", "lat", "lon"],
      options: VariableOptions(chunkShape: [40, 7, 20], fillValue: .float32([-999])))
    try variable.writeAll(pr)
    try variable.setAttribute("units", .text("kg m-2 s-1"))
    return path
  }

  /// Each output variable's bits.
  func bits(_ path: String, _ variables: [String]) throws -> [String: [UInt64]] {
    let file = try File.open(path)
    var result: [String: [UInt64]] = [:]
    for name in variables {
      let dataset = try file.dataset(name)
      result[name] =
        dataset.dataType == .numeric(.float64)
        ? try dataset.readAll(Double.self).map(\.bitPattern)
        : try dataset.readAll(Float.self).map { UInt64($0.bitPattern) }
    }
    return result
  }

  func testEveryOperationWritesTheSameBytesAtOneTwoThreeAndFiveRanks() throws {
    let input = try makeInput()
    let cases: [(name: String, arguments: [String], variables: [String])] = [
      ("mean", ["reduce", "--var", "tas", "--op", "mean"], ["tas"]),
      ("sum", ["reduce", "--var", "tas", "--op", "sum"], ["tas"]),
      ("min", ["reduce", "--var", "tas", "--op", "min"], ["tas"]),
      ("max", ["reduce", "--var", "tas", "--op", "max"], ["tas"]),
      ("count", ["reduce", "--var", "tas", "--op", "count"], ["tas"]),
      ("var", ["reduce", "--var", "tas", "--op", "var", "--dtype", "float64"], ["tas"]),
      ("std", ["reduce", "--var", "pr", "--op", "std"], ["pr"]),
      ("std-tas", ["reduce", "--var", "tas", "--op", "std"], ["tas"]),
      ("median", ["reduce", "--var", "tas", "--op", "median"], ["tas"]),
      ("p95", ["reduce", "--var", "pr", "--op", "p95"], ["pr"]),
      ("ymonp90", ["reduce", "--var", "tas", "--op", "p90", "--by", "time.month"], ["tas"]),
      (
        "fldmean",
        ["reduce", "--var", "tas", "--op", "mean", "--over", "lat,lon", "--weights", "coslat"],
        ["tas"]
      ),
      (
        "area-sum",
        ["reduce", "--var", "pr", "--op", "sum", "--over", "lat,lon", "--weights", "area"],
        ["pr"]
      ),
      ("ymonmean", ["reduce", "--var", "tas", "--op", "mean", "--by", "time.month"], ["tas"]),
      ("yseasstd", ["reduce", "--var", "tas", "--op", "std", "--by", "time.season"], ["tas"]),
      ("monmax", ["reduce", "--var", "tas", "--op", "max", "--resample", "time=1M"], ["tas"]),
      (
        "zonal-tropics",
        ["reduce", "--var", "tas", "--op", "mean", "--over", "lon", "--sel", "lat=-30:30"], ["tas"]
      ),
      ("two-vars-std", ["reduce", "--var", "tas,pr", "--op", "std"], ["tas", "pr"]),
      (
        "two-vars-ymonmean", ["reduce", "--var", "pr,tas", "--op", "mean", "--by", "time.month"],
        ["pr", "tas"]
      ),
      (
        "two-vars-fldmean",
        ["reduce", "--var", "tas,pr", "--op", "mean", "--over", "lat,lon", "--weights", "coslat"],
        ["tas", "pr"]
      ),
      ("anomaly", ["anomaly", "--var", "pr", "--by", "time.month"], ["pr"]),
    ]
    var outputs: [String: [String: [UInt64]]] = [:]
    for (name, arguments, variables) in cases {
      var reference: [String: [UInt64]]?
      for np in MPIRun.ranks {
        let out = directory.appendingPathComponent("\(name)-\(np).nc").path
        // A small budget: several supersteps, so partials cross ranks.
        let budget = arguments[0] == "reduce" ? ["--memory-per-rank", "2MiB"] : []
        let result = try MPIRun.mpirun(
          np, "floe", [arguments[0], input] + arguments.dropFirst() + ["-o", out] + budget)
        XCTAssertSucceeded(result, "\(name) on \(np) ranks")
        guard result.status == 0 else { continue }
        let got = try bits(out, variables)
        XCTAssertFalse(got.values.contains { $0.isEmpty }, name)
        if let reference {
          XCTAssertTrue(got == reference, "\(name): np=\(np) differs from np=1")
        } else {
          reference = got
          outputs[name] = got
        }
      }
    }
    // One pass over two variables gives each the bits of its own run.
    XCTAssertEqual(outputs["two-vars-std"]?["tas"], outputs["std-tas"]?["tas"])
    XCTAssertEqual(outputs["two-vars-std"]?["pr"], outputs["std"]?["pr"])
    XCTAssertEqual(outputs["two-vars-ymonmean"]?["tas"], outputs["ymonmean"]?["tas"])
    XCTAssertEqual(outputs["two-vars-fldmean"]?["tas"], outputs["fldmean"]?["tas"])
  }
}
