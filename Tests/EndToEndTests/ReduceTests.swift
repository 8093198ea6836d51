import FloeHDF5
import Foundation
import XCTest

/// `floe reduce` under mpirun: the same bytes for any rank count and budget, the values of
/// a plain serial computation, memory within the budget, and failures that end every rank.
final class ReduceTests: ScratchTestCase {
  /// 10,500 daily steps of a 20 x 30 grid in 1 x 10 x 15 chunks: units of at least 1 MiB
  /// group 1747 chunks, so 4 tiles of 7 units each: the merge tree has depth, and ranges
  /// cross tiles.
  func makeInput() throws -> String {
    let path = directory.appendingPathComponent("in.nc").path
    let gen = try MPIRun.mpirun(
      2, "floe",
      [
        "gen", "-o", path, "--shape", "10500,20,30", "--chunks", "1,10,15", "--fill-fraction",
        "0.05", "--seed", "3",
      ])
    XCTAssertSucceeded(gen, "gen")
    return path
  }

  /// The output variable's values, read back.
  func values(_ path: String) throws -> [Float] { try File.open(path).dataset("tas").readAll() }

  func testSameBytesForAnyRankCountAndBudgetAndTheSerialValues() throws {
    let input = try makeInput()
    let data: [Float] = try File.open(input).dataset("tas").readAll()
    let plane = 600
    for op in ["mean", "std"] {
      var reference: [Float]?
      var superstepCounts = Set<Int>()
      for np in MPIRun.ranks {
        for budget in ["3MiB", "6MiB", "1GiB"] {
          let out = directory.appendingPathComponent("\(op)-\(np)-\(budget).nc").path
          let result = try MPIRun.mpirun(
            np, "floe",
            ["reduce", input, "--var", "tas", "--op", op, "-o", out, "--memory-per-rank", budget])
          XCTAssertSucceeded(result, "reduce --op \(op) on \(np) ranks with \(budget)")
          XCTAssertTrue(
            result.stderr.contains("floe: plan: 28 units of 1747 x 10 x 15"), result.stderr)
          if let line = result.stderr.split(separator: "\n").first(where: {
            $0.contains("floe: done:")
          }),
            let steps = line.split(separator: " ").firstIndex(of: "supersteps").map({
              Int(line.split(separator: " ")[$0 - 1])
            })
          {
            superstepCounts.insert(steps ?? -1)
          }
          let got = try values(out)
          if let reference {
            XCTAssertEqual(
              got.map(\.bitPattern), reference.map(\.bitPattern),
              "\(op) np=\(np) budget=\(budget) differs")
          } else {
            reference = got
          }
        }
      }
      XCTAssertGreaterThanOrEqual(
        superstepCounts.count, 3,
        "budgets should give different superstep counts: \(superstepCounts)")
      // A plain serial computation per point, in float64, two-pass for std.
      for p in 0..<plane {
        let column = (0..<10500).map { data[$0 * plane + p] }.filter { $0 != 1e20 }.map(Double.init)
        let mean = column.reduce(0, +) / Double(column.count)
        let want =
          op == "mean"
          ? mean
          : (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count))
            .squareRoot()
        XCTAssertEqual(Double(reference![p]), want, accuracy: abs(want) * 1e-6, "\(op) point \(p)")
      }
    }
  }

  func testAMonthlyClimatologyHasTheSameBytesForAnyRankCountAndBudget() throws {
    let input = try makeInput()
    var reference: [Float]?
    for np in MPIRun.ranks {
      for budget in ["3MiB", "1GiB"] {
        let out = directory.appendingPathComponent("ymon-\(np)-\(budget).nc").path
        let result = try MPIRun.mpirun(
          np, "floe",
          [
            "reduce", input, "--var", "tas", "--op", "mean", "--by", "time.month", "-o", out,
            "--memory-per-rank", budget,
          ])
        XCTAssertSucceeded(result, "ymonmean on \(np) ranks with \(budget)")
        let got = try values(out)
        XCTAssertEqual(got.count, 12 * 600)
        if let reference {
          XCTAssertEqual(got.map(\.bitPattern), reference.map(\.bitPattern), "np=\(np) \(budget)")
        } else {
          reference = got
        }
      }
    }
    let header = try MPIRun.run(
      "/usr/bin/env", ["ncdump", "-h", directory.appendingPathComponent("ymon-1-3MiB.nc").path],
      timeout: 30)
    XCTAssertTrue(
      header.stdout.contains("time:climatology = \"climatology_bounds\" ;"), header.stdout)
    XCTAssertTrue(header.stdout.contains("double climatology_bounds(time, bnds) ;"), header.stdout)
  }

  func testAnomaliesHaveTheSameBytesForAnyRankCountAndAreTheValuesMinusTheirMonthsMean() throws {
    let input = directory.appendingPathComponent("in.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        2, "floe",
        ["gen", "-o", input, "--shape", "400,6,8", "--chunks", "30,3,8", "--fill-fraction", "0.1"]),
      "gen")
    var reference: [Float]?
    for np in MPIRun.ranks {
      let out = directory.appendingPathComponent("anomaly-\(np).nc").path
      let result = try MPIRun.mpirun(
        np, "floe", ["anomaly", input, "--var", "tas", "--by", "time.month", "-o", out])
      XCTAssertSucceeded(result, "anomaly on \(np) ranks")
      XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".floe-partial"))
      let got = try values(out)
      if let reference {
        XCTAssertEqual(got.map(\.bitPattern), reference.map(\.bitPattern), "np=\(np)")
      } else {
        reference = got
      }
    }
    // The plain way: days since 2000-01-01 grouped by month, each value minus its month's mean.
    let data: [Float] = try File.open(input).dataset("tas").readAll()
    let monthStarts = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366, 397]  // 2000, then 2001
    let month = { (t: Int) in (monthStarts.lastIndex { $0 <= t }! % 12) }
    for p in 0..<48 {
      var sums = [Double](repeating: 0, count: 12)
      var counts = [Double](repeating: 0, count: 12)
      for t in 0..<400 where data[t * 48 + p] != 1e20 {
        sums[month(t)] += Double(data[t * 48 + p])
        counts[month(t)] += 1
      }
      for t in 0..<400 {
        let x = data[t * 48 + p]
        let got = reference![t * 48 + p]
        if x == 1e20 {
          XCTAssertGreaterThan(got, 1e30, "missing stays missing")
        } else {
          XCTAssertEqual(Double(got), Double(x) - sums[month(t)] / counts[month(t)], accuracy: 1e-4)
        }
      }
    }
  }

  func testPercentilesHaveTheSameBytesForAnyRankCountAndBandSizeAndTheSerialValues() throws {
    let input = directory.appendingPathComponent("in.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        2, "floe",
        [
          "gen", "-o", input, "--shape", "365,11,13", "--chunks", "30,11,13", "--fill-fraction",
          "0.2",
        ]),
      "gen")
    let data: [Float] = try File.open(input).dataset("tas").readAll()
    for (op, q) in [("p95", 95.0), ("median", 50.0), ("p2.5", 2.5)] {
      var reference: [Float]?
      var plans = Set<String>()
      for np in MPIRun.ranks {
        for budget in ["200KiB", "1GiB"] {
          let out = directory.appendingPathComponent("\(op)-\(np)-\(budget).nc").path
          let result = try MPIRun.mpirun(
            np, "floe",
            ["reduce", input, "--var", "tas", "--op", op, "-o", out, "--memory-per-rank", budget])
          XCTAssertSucceeded(result, "\(op) on \(np) ranks with \(budget)")
          plans.insert(
            result.stderr.split(separator: "\n").first { $0.contains("supersteps of") }.map(
              String.init) ?? "")
          let got = try values(out)
          if let reference {
            XCTAssertEqual(
              got.map(\.bitPattern), reference.map(\.bitPattern), "\(op) np=\(np) \(budget)")
          } else {
            reference = got
          }
        }
      }
      XCTAssertGreaterThan(plans.count, 2, "band sizes and superstep counts should vary: \(plans)")
      // The definition, written out: sort the valid values, interpolate at (n - 1) q / 100.
      for p in 0..<(11 * 13) {
        let sorted = (0..<365).map { data[$0 * 143 + p] }.filter { $0 != 1e20 }.map(Double.init)
          .sorted()
        let h = Double(sorted.count - 1) * q / 100
        let low = Int(h)
        let want =
          sorted[low] + (h - Double(low)) * (sorted[min(low + 1, sorted.count - 1)] - sorted[low])
        XCTAssertEqual(reference![p], Float(want), "\(op) point \(p)")
      }
    }
    let tiny = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", input, "--var", "tas", "--op", "p95", "-o",
        directory.appendingPathComponent("x.nc").path, "--memory-per-rank", "8KiB",
      ])
    XCTAssertEqual(tiny.status, 1)
    XCTAssertEqual(tiny.errorLines.count, 1, tiny.stderr)
    XCTAssertTrue(
      tiny.stderr.contains("cannot hold one row of 365 time steps for a percentile"), tiny.stderr)
    let overSpace = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", input, "--var", "tas", "--op", "median", "--over", "lat,lon", "-o",
        directory.appendingPathComponent("y.nc").path,
      ])
    XCTAssertEqual(overSpace.status, 1)
    XCTAssertEqual(overSpace.errorLines.count, 1, overSpace.stderr)
    XCTAssertTrue(
      overSpace.stderr.contains("reduces over time (the first dimension) only, without --weights"),
      overSpace.stderr)
  }

  /// Units that are whole stored chunks are reduced straight from the file's pages; the
  /// bytes are those of the same units read through HDF5 (`FLOE_MAPPED_READS=off`), for
  /// reducers in place, grouped, weighted and not in place.
  func testUnitsMappedFromTheFileGiveTheBytesOfUnitsRead() throws {
    // Chunks of 30 x 100 x 100 float32 (1.2 MB) are units of their own: 20 of them.
    let input = try generate(shape: "600,100,100", chunks: "30,100,100")
    for op in [
      ["--op", "mean"], ["--op", "std"], ["--op", "max"], ["--op", "mean", "--by", "time.month"],
      ["--op", "mean", "--over", "lat,lon", "--weights", "coslat"],
    ] {
      var outputs: [[UInt32]] = []
      for mapping in ["on", "off"] {
        let out = directory.appendingPathComponent("\(op.joined())-\(mapping).nc").path
        let result = try MPIRun.mpirun(
          3, "floe", ["reduce", input, "--var", "tas", "-o", out] + op,
          environment: mapping == "off" ? ["FLOE_MAPPED_READS": "off"] : [:])
        XCTAssertSucceeded(result, "\(op) with mapping \(mapping)")
        let mapped = mapping == "on" ? 20 : 0
        XCTAssertTrue(
          result.stderr.contains("(no copy): \(mapped) of 20"), "\(op) \(mapping): \(result.stderr)"
        )
        outputs.append(try values(out).map(\.bitPattern))
      }
      XCTAssertFalse(outputs[0].isEmpty)
      XCTAssertEqual(outputs[0], outputs[1], "\(op)")
    }
  }

  func testPeakMemoryStaysWithinTheBudgetOnAFileEightTimesLarger() throws {
    // 260 MB of data, a 24 MiB budget; Floe's fixed overhead (Swift, MPI, HDF5 and the
    // executable itself) is stated as 96 MiB per rank.
    let input = directory.appendingPathComponent("big.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(2, "floe", ["gen", "-o", input, "--shape", "2000,181,180"]), "gen")
    let size = try FileManager.default.attributesOfItem(atPath: input)[.size] as! Int
    XCTAssertGreaterThan(size, 8 * 24 << 20)
    let out = directory.appendingPathComponent("mean.nc").path
    let result = try MPIRun.mpirun(
      3, "floe",
      ["reduce", input, "--var", "tas", "--op", "mean", "-o", out, "--memory-per-rank", "24MiB"])
    XCTAssertSucceeded(result, "reduce")
    let line = try XCTUnwrap(
      result.stderr.split(separator: "\n").first { $0.contains("peak RSS") }, result.stderr)
    let peaks = line.components(separatedBy: "peak RSS ").last!.components(separatedBy: " / ")
    let largest = try XCTUnwrap(peaks.compactMap(Self.mebibytes).max(), String(line))
    XCTAssertLessThanOrEqual(largest, 24 + 96, String(line))
  }

  static func mebibytes(_ text: String) -> Double? {
    let parts = text.trimmingCharacters(in: .whitespaces).split(separator: " ")
    guard parts.count == 2, let value = Double(parts[0]) else { return nil }
    switch parts[1] {
    case "KiB": return value / 1024
    case "MiB": return value
    case "GiB": return value * 1024
    default: return nil
    }
  }

  func testACorruptChunkEndsEveryRankWithTheUnitNamed() throws {
    let input = directory.appendingPathComponent("corrupt.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        2, "floe",
        ["gen", "-o", input, "--shape", "40,200,400", "--chunks", "10,200,400", "--deflate", "1"]),
      "gen")
    // Chunks of 800,000 values are units of their own: the chunk at step 20 is unit 2.
    let location = try File.open(input).dataset("tas").storedChunkLocation(at: [20, 0, 0])
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: input))
    try handle.seek(toOffset: UInt64(location.fileOffset + location.bytes / 2))
    try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
    try handle.close()
    let out = directory.appendingPathComponent("out.nc").path
    let result = try MPIRun.mpirun(
      3, "floe", ["reduce", input, "--var", "tas", "--op", "mean", "-o", out], timeout: 60)
    XCTAssertFalse(result.timedOut, "a corrupt chunk hung the job")
    XCTAssertEqual(result.status, 1, result.stderr)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    let error = result.errorLines.first ?? ""
    XCTAssertTrue(
      error.contains("unit 2 of 4 (time 20..<30, lat 0..<200, lon 0..<400), reading for mean"),
      error)
    XCTAssertTrue(error.contains("inflate() failed"), error)
    XCTAssertTrue(error.contains("rank "), error)
    XCTAssertTrue(error.contains(input), error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".floe-partial"))
  }

  func testBadRequestsEndEveryRankWithOneMessage() throws {
    let input = directory.appendingPathComponent("small.nc").path
    XCTAssertSucceeded(
      try MPIRun.alone("floe", ["gen", "-o", input, "--shape", "30,10,12"]), "gen")
    let exists = directory.appendingPathComponent("exists.nc").path
    FileManager.default.createFile(atPath: exists, contents: Data("keep me".utf8))
    let out = directory.appendingPathComponent("out.nc").path
    let cases: [([String], String)] = [
      (
        ["--var", "pr", "--op", "mean", "-o", out],
        "no variable 'pr'; the file has: time, lat, lon, bnds, lat_bnds, lon_bnds, tas"
      ),
      (
        ["--var", "tas", "--op", "mean", "--over", "height", "-o", out],
        "has no dimension 'height' to reduce over; its dimensions are time (axis T), lat (axis Y), lon (axis X)"
      ),
      (
        ["--var", "tas", "--op", "mean", "-o", out, "--memory-per-rank", "1KiB"],
        "cannot hold one unit"
      ),
      (
        ["--var", "tas", "--op", "mean", "-o", exists],
        "the output exists already (use --overwrite to replace it)"
      ),
      (
        [
          "--var", "tas", "--op", "mean", "-o",
          directory.appendingPathComponent("no/such/dir/out.nc").path,
        ], "does not exist"
      ),
    ]
    for (arguments, message) in cases {
      let result = try MPIRun.mpirun(3, "floe", ["reduce", input] + arguments, timeout: 60)
      XCTAssertFalse(result.timedOut, "\(arguments) hung")
      XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
      XCTAssertEqual(result.errorLines.count, 1, "\(arguments): \(result.stderr)")
      XCTAssertTrue(
        result.errorLines.first?.contains(message) ?? false, "\(arguments): \(result.stderr)")
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
    XCTAssertEqual(try String(contentsOfFile: exists, encoding: .utf8), "keep me")
    let usage = try MPIRun.mpirun(
      3, "floe", ["reduce", input, "--var", "tas", "--op", "p101", "-o", out])
    XCTAssertNotEqual(usage.status, 0)
    XCTAssertEqual(
      usage.stderr.components(separatedBy: "unknown --op 'p101'").count, 2, usage.stderr)
  }

  func testAFingerprintMismatchEndsEveryRank() throws {
    let input = directory.appendingPathComponent("small.nc").path
    XCTAssertSucceeded(try MPIRun.alone("floe", ["gen", "-o", input, "--shape", "4,3,3"]), "gen")
    let result = try MPIRun.mpirun(
      3, "floe", ["info", input], timeout: 60,
      environment: ["FLOE_DEBUG_FAKE_FINGERPRINT_RANK": "2"])
    XCTAssertFalse(result.timedOut)
    XCTAssertEqual(result.status, 1, result.stderr)
    XCTAssertEqual(result.errorLines.count, 1, result.stderr)
    XCTAssertTrue(
      result.stderr.contains(
        "rank 2 has Floe version 'floe 0.1.0-fake' where rank 0 has 'floe 0.1.0'"), result.stderr)
    XCTAssertEqual(result.stdout, "")
  }
}
