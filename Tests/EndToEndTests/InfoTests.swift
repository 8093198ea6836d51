import Foundation
import XCTest

/// `floe info` under mpirun: one report from rank 0; bad input ends every rank with one
/// message naming the file, a non-zero exit and no hang.
final class InfoTests: ScratchTestCase {
  func testOneReportFromRankZero() throws {
    let path = directory.appendingPathComponent("tas.nc").path
    XCTAssertSucceeded(
      try MPIRun.alone(
        "floe", ["gen", "-o", path, "--shape", "37,7,11", "--chunks", "5,4,6", "--deflate", "2"]),
      "gen")
    for np in MPIRun.ranks {
      let result = try MPIRun.mpirun(np, "floe", ["info", path])
      XCTAssertSucceeded(result, "floe info on \(np) ranks")
      XCTAssertEqual(result.stdout.components(separatedBy: "netcdf tas {").count, 2, result.stdout)
      for expected in [
        "time = UNLIMITED ; // (37 currently)", "lat = 7 ;", "lon = 11 ;",
        "float tas(time, lat, lon) ;", "tas:units = \"K\" ;", "tas:_FillValue = 1e+20f ;",
        // ceil(37/5) x ceil(7/4) x ceil(11/6) = 8 x 2 x 2 chunks
        "// storage: chunked 5 x 4 x 6, shuffle, deflate(2);", "; 32 chunks stored",
        ":Conventions = \"CF-1.8\" ;",
      ] {
        XCTAssertTrue(result.stdout.contains(expected), "missing \(expected) in\n\(result.stdout)")
      }
    }
  }

  /// `floe info --plan` prints, from the metadata alone, the plan `floe reduce` prints when
  /// it runs on that many ranks.
  func testThePlanIsTheOneAReductionMakes() throws {
    let path = directory.appendingPathComponent("tas.nc").path
    XCTAssertSucceeded(
      try MPIRun.alone(
        "floe", ["gen", "-o", path, "--shape", "400,100,100", "--chunks", "20,100,100"]),
      "gen")
    let planLines = { (text: String) in
      text.split(separator: "\n").filter { $0.hasPrefix("floe: plan: ") }.map(String.init)
    }
    for (op, more) in [("std", [String]()), ("p95", ["--by", "time.month"])] {
      let options = ["--var", "tas", "--op", op, "--memory-per-rank", "8MiB"] + more
      let info = try MPIRun.alone("floe", ["info", path, "--plan", "--ranks", "3"] + options)
      XCTAssertSucceeded(info, "info --plan \(op)")
      XCTAssertTrue(info.stdout.contains("plan for 3 rank(s) (rank 0 schedules, 2 worker(s))"))
      let out = directory.appendingPathComponent("\(op).nc").path
      let run = try MPIRun.mpirun(3, "floe", ["reduce", path, "-o", out] + options)
      XCTAssertSucceeded(run, "reduce \(op)")
      XCTAssertFalse(planLines(run.stderr).isEmpty, run.stderr)
      XCTAssertEqual(planLines(info.stdout), planLines(run.stderr))
    }
    // --memory-per-node on 5 ranks, 2 per node: node1 has ranks 0-1 (one working), node2
    // ranks 2-3, node3 rank 4; node2's two workers share 16 MiB: the plan of 8 MiB per rank.
    let byRank = try MPIRun.alone(
      "floe",
      [
        "info", path, "--plan", "--var", "tas", "--op", "std", "--ranks", "5", "--memory-per-rank",
        "8MiB",
      ])
    let byNode = try MPIRun.alone(
      "floe",
      [
        "info", path, "--plan", "--var", "tas", "--op", "std", "--ranks", "5", "--memory-per-node",
        "16MiB", "--ranks-per-node", "2",
      ])
    XCTAssertSucceeded(byNode, "info --plan --memory-per-node")
    XCTAssertEqual(
      planLines(byNode.stdout),
      planLines(byRank.stdout).map {
        $0.replacingOccurrences(
          of: "--memory-per-rank 8.0 MiB",
          with: "--memory-per-node 16.0 MiB (2 working rank(s) on node2: 8.0 MiB each)")
      })
    // 400 steps in chunks of 20: 20 units, whatever the ranks; 63 workers.
    let wide = try MPIRun.alone(
      "floe", ["info", path, "--plan", "--var", "tas", "--op", "mean", "--ranks", "64"])
    XCTAssertSucceeded(wide, "info --plan on 64 ranks")
    XCTAssertTrue(wide.stdout.contains("floe: plan: 20 units of 20 x 100 x 100"), wide.stdout)
    XCTAssertTrue(wide.stdout.contains("63 worker(s)"), wide.stdout)
  }

  func testBadInputEndsEveryRankWithOneMessage() throws {
    let text = directory.appendingPathComponent("notes.nc").path
    try "not HDF5 at all\n".write(toFile: text, atomically: true, encoding: .utf8)
    let good = directory.appendingPathComponent("good.nc").path
    XCTAssertSucceeded(try MPIRun.alone("floe", ["gen", "-o", good, "--shape", "30,20,20"]), "gen")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    let truncated = directory.appendingPathComponent("truncated.nc").path
    try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: truncated))
    let missing = directory.appendingPathComponent("missing.nc").path
    let cases: [(path: String, message: String)] = [
      (missing, "\(missing): no such file"),
      (directory.path, "\(directory.path): is a directory"),
      (text, "\(text): not an HDF5 or netCDF-4 file"),
      (truncated, "\(truncated): the file is truncated or damaged"),
    ]
    for (path, message) in cases {
      for np in [1, 3] {
        let result = try MPIRun.mpirun(np, "floe", ["info", path], timeout: 60)
        XCTAssertFalse(result.timedOut, "floe info \(path) hung on \(np) ranks")
        XCTAssertEqual(result.status, 1, "np=\(np) \(path): \(result.stderr)")
        XCTAssertEqual(result.errorLines.count, 1, "np=\(np): \(result.stderr)")
        XCTAssertTrue(
          result.errorLines.first?.contains(message) ?? false, "np=\(np): \(result.stderr)")
        XCTAssertEqual(result.stdout, "", "no partial report")
      }
    }
  }
}
