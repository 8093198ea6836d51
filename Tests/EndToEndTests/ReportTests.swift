import FloeHDF5
import Foundation
import XCTest

/// What rank 0 tells while and after a run, under mpirun: the progress lines of a batch
/// log, `--quiet`, and `--report` in JSON and HTML, for runs that succeed, fail and stop.
final class ReportTests: ScratchTestCase {
  /// 400 steps of 100 x 100 float32 (16,000,000 bytes) in 20 units of 20 steps.
  func makeInput() throws -> String {
    try generate(shape: "400,100,100", chunks: "20,100,100")
  }

  func json(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func testAReportTellsEverySuperstepOfEveryWorker() throws {
    let input = try makeInput()
    let out = directory.appendingPathComponent("std.nc").path
    let report = directory.appendingPathComponent("run.json").path
    let page = directory.appendingPathComponent("run.html").path
    let run = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", input, "--var", "tas", "--op", "std", "-o", out, "--memory-per-rank", "6MiB",
        "--progress-every", "0", "--report", report, "--report", page,
      ])
    XCTAssertSucceeded(run, "std with reports")
    // A batch log: plain progress lines, one per superstep with --progress-every 0.
    let progress = run.stderr.split(separator: "\n").filter {
      $0.range(of: #"^floe: \d+ of 20 units \(\d+ %\), "#, options: .regularExpression) != nil
    }
    XCTAssertFalse(progress.isEmpty, run.stderr)
    XCTAssertFalse(run.stderr.contains("\r"), "a batch log got a redrawn line")

    let r = try json(report)
    XCTAssertEqual(r["status"] as? String, "done")
    XCTAssertEqual(r["ranks"] as? Int, 3)
    XCTAssertEqual(r["workers"] as? Int, 2)
    XCTAssertEqual(r["memoryPerRankBytes"] as? Int, 6 << 20)
    let phases = try XCTUnwrap(r["phases"] as? [[String: Any]])
    XCTAssertEqual(phases.count, 1)
    let steps = try XCTUnwrap(phases[0]["supersteps"] as? [[String: Any]])
    let summary = try XCTUnwrap(phases[0]["summary"] as? [String: Any])
    XCTAssertEqual(summary["units"] as? Int, 20)
    XCTAssertEqual(summary["bytesRead"] as? Int, 16_000_000)
    XCTAssertEqual(
      summary["supersteps"] as? Int, steps.filter { $0["kind"] as? String == "work" }.count)
    // Every superstep has both workers; their units and bytes add up to the whole file.
    var units = 0
    var bytes = 0
    var previousEnd = 0.0
    for step in steps {
      let workers = try XCTUnwrap(step["workers"] as? [[String: Any]])
      XCTAssertEqual(workers.compactMap { $0["rank"] as? Int }, [1, 2])
      units += workers.compactMap { $0["units"] as? Int }.reduce(0, +)
      bytes += workers.compactMap { $0["bytesRead"] as? Int }.reduce(0, +)
      let started = try XCTUnwrap(step["started"] as? Double)
      let ended = try XCTUnwrap(step["ended"] as? Double)
      XCTAssertLessThanOrEqual(previousEnd, started)
      XCTAssertLessThanOrEqual(started, ended)
      previousEnd = ended
    }
    XCTAssertEqual(units, 20)
    XCTAssertEqual(bytes, 16_000_000)
    XCTAssertEqual(steps.last?["kind"] as? String, "finish")
    XCTAssertEqual(steps.last?["done"] as? Int, 20)

    let html = try String(contentsOfFile: page, encoding: .utf8)
    XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
    XCTAssertTrue(html.contains("<svg"), "no timeline")
    XCTAssertTrue(html.contains("rank 2"))
    XCTAssertFalse(html.contains("http://") && html.contains("<script"), "not self-contained")
    XCTAssertFalse(html.contains("<link"), "not self-contained")
  }

  /// The plan and the summary say which host each rank runs on: one host here, or as many as
  /// the simulated cluster's `--host` list fills (Open MPI fills each host's slots in turn).
  func testThePlacementNamesEachRanksHost() throws {
    let input = try makeInput()
    let out = directory.appendingPathComponent("out.nc").path
    let run = try MPIRun.mpirun(
      3, "floe", ["reduce", input, "--var", "tas", "--op", "mean", "-o", out])
    XCTAssertSucceeded(run, "mean")
    let arguments = MPIRun.mpirunArguments
    var expected = 1
    if let i = arguments.firstIndex(of: "--host") {
      let slots = arguments[i + 1].split(separator: ",").map { Int($0.split(separator: ":")[1])! }
      var placed = 0
      expected = 0
      for s in slots where placed < 3 {
        placed += s
        expected += 1
      }
    }
    let lines = run.stderr.split(separator: "\n").filter {
      $0.hasPrefix("floe: 3 rank(s) on \(expected) host(s): ")
    }
    XCTAssertEqual(lines.count, 2, "once with the plan, once in the summary:\n\(run.stderr)")
  }

  /// --log-level debug: every worker's numbers for every superstep reach rank 0's log with
  /// the worker's rank; warning: nothing on success.
  func testLogLevels() throws {
    let input = try makeInput()
    let out = directory.appendingPathComponent("out.nc").path
    let run = { (level: String) in
      try MPIRun.mpirun(
        3, "floe",
        [
          "reduce", input, "--var", "tas", "--op", "mean", "-o", out, "--overwrite",
          "--memory-per-rank", "6MiB", "--log-level", level,
        ])
    }
    let debug = try run("debug")
    XCTAssertSucceeded(debug, "debug")
    for rank in [1, 2] {
      let lines = debug.stderr.split(separator: "\n").filter {
        $0.hasPrefix("floe: rank \(rank), superstep ") && $0.contains(" (work): ")
      }
      XCTAssertFalse(lines.isEmpty, debug.stderr)
    }
    XCTAssertTrue(debug.stderr.contains("floe: plan: "), debug.stderr)
    let units = debug.stderr.split(separator: "\n").compactMap { line -> Int? in
      guard line.contains(" (work): "), let part = line.split(separator: ": ").last else {
        return nil
      }
      return Int(part.split(separator: " ").first ?? "")
    }
    XCTAssertEqual(units.reduce(0, +), 20, debug.stderr)
    let warning = try run("warning")
    XCTAssertSucceeded(warning, "warning")
    XCTAssertEqual(warning.stderr, "")
  }

  /// A PML the user names (here through mpirun's environment) is Open MPI's choice, not
  /// Floe's: the summary must not claim it, and the values are those of Floe's own choice.
  func testAPMLTheUserNamesIsLeftAlone() throws {
    let input = try makeInput()
    let run = { (name: String, environment: [String: String]) in
      let out = self.directory.appendingPathComponent(name).path
      let result = try MPIRun.mpirun(
        3, "floe", ["reduce", input, "--var", "tas", "--op", "mean", "-o", out],
        environment: environment)
      XCTAssertSucceeded(result, name)
      let values: [Float] = try File.open(out).dataset("tas").readAll()
      return (result, values.map(\.bitPattern))
    }
    let (chosen, chosenBits) = try run("chosen.nc", ["OMPI_MCA_pml": "ob1"])
    XCTAssertTrue(chosen.stderr.contains("floe: start-up per worker"), chosen.stderr)
    XCTAssertFalse(chosen.stderr.contains("named by Floe"), chosen.stderr)
    let (open, openBits) = try run("open.nc", [:])
    XCTAssertEqual(chosenBits.count, 100 * 100)
    XCTAssertEqual(chosenBits, openBits, open.stderr)
  }

  func testFailedAndStoppedRunsStillReportAndQuietSaysNothing() throws {
    let input = try makeInput()
    let out = directory.appendingPathComponent("out.nc").path
    let report = directory.appendingPathComponent("failed.json").path
    let failed = try MPIRun.mpirun(
      3, "floe",
      ["reduce", input, "--var", "nosuch", "--op", "mean", "-o", out, "--report", report])
    XCTAssertEqual(failed.status, 1, failed.stderr)
    var r = try json(report)
    XCTAssertEqual(r["status"] as? String, "failed")
    XCTAssertTrue((r["error"] as? String ?? "").contains("nosuch"), "\(r)")

    let stopped = directory.appendingPathComponent("stopped.json").path
    let warned = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", input, "--var", "tas", "--op", "mean", "-o", out, "--memory-per-rank", "6MiB",
        "--report", stopped, "--quiet",
      ], environment: ["FLOE_DEBUG_SIGNAL": "2:\(SIGTERM):self"])
    XCTAssertEqual(warned.status, 75, warned.stderr)
    // Even --quiet says why the job ended and how to go on.
    XCTAssertTrue(warned.stderr.hasPrefix("floe: stopped by SIGTERM after "), warned.stderr)
    r = try json(stopped)
    XCTAssertEqual(r["status"] as? String, "stopped")
    XCTAssertTrue((r["error"] as? String ?? "").contains("stopped by SIGTERM"), "\(r)")

    let quiet = try MPIRun.mpirun(
      3, "floe", ["reduce", input, "--var", "tas", "--op", "p95", "-o", out, "--quiet"])
    XCTAssertSucceeded(quiet, "quiet")
    XCTAssertEqual(quiet.stderr, "", "--quiet printed something")

    let anomaly = directory.appendingPathComponent("anomaly.json").path
    let anomalies = directory.appendingPathComponent("anomaly.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        2, "floe",
        [
          "anomaly", input, "--var", "tas", "--by", "time.month", "-o", anomalies, "--report",
          anomaly,
        ]), "anomaly")
    let phases = try XCTUnwrap(try json(anomaly)["phases"] as? [[String: Any]])
    XCTAssertEqual(phases.compactMap { $0["name"] as? String }, ["climatology", "anomalies"])
  }
}
