import FloeHDF5
import Foundation
import XCTest

/// `floe run JOB.yaml` under mpirun: steps in order with shared defaults give the values of
/// the same commands run one by one; a bad key is refused before anything runs, naming the
/// key and its line; --resume skips the steps already done.
final class JobFileTests: ScratchTestCase {
  func bits(_ path: String) throws -> [UInt32] {
    try File.open(path).dataset("tas").readAll(Float.self).map(\.bitPattern)
  }

  func write(_ text: String, to name: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func testStepsGiveTheValuesOfTheirCommands() throws {
    let d = directory.path
    let input = "\(d)/in.nc"
    XCTAssertSucceeded(
      try MPIRun.alone(
        "floe", ["gen", "-o", input, "--shape", "240,30,40", "--chunks", "24,30,40"]), "gen")
    let job = try write(
      """
      defaults:
        memory-per-rank: 8MiB
        report: \(d)/reports
        checkpoint: \(d)/checkpoints
      steps:
        - reduce: {input: \(input), var: tas, op: mean, by: time.month, output: \(d)/clim.nc}
        - anomaly:
            input: \(input)
            var: tas
            by: time.month
            output: \(d)/anomalies.nc
        - reduce:
            input: [\(d)/anomalies.nc]
            var: tas
            op: p95
            output: \(d)/p95.nc
      """, to: "job.yaml")
    try FileManager.default.createDirectory(
      atPath: "\(d)/reports", withIntermediateDirectories: true)
    let run = try MPIRun.mpirun(3, "floe", ["run", job])
    XCTAssertSucceeded(run, "floe run")
    XCTAssertTrue(
      run.stderr.contains("floe run: step 3 of 3 (\(job):12): floe reduce "), run.stderr)
    // The same commands one by one.
    let one = [
      ["reduce", input, "--var", "tas", "--op", "mean", "--by", "time.month", "-o", "\(d)/c1.nc"],
      ["anomaly", input, "--var", "tas", "--by", "time.month", "-o", "\(d)/a1.nc"],
      ["reduce", "\(d)/a1.nc", "--var", "tas", "--op", "p95", "-o", "\(d)/p1.nc"],
    ]
    for arguments in one {
      XCTAssertSucceeded(try MPIRun.mpirun(2, "floe", arguments), arguments.joined(separator: " "))
    }
    XCTAssertEqual(try bits("\(d)/clim.nc"), try bits("\(d)/c1.nc"))
    XCTAssertEqual(try bits("\(d)/anomalies.nc"), try bits("\(d)/a1.nc"))
    XCTAssertEqual(try bits("\(d)/p95.nc"), try bits("\(d)/p1.nc"))
    // Each output's history records its step's command, not `floe run`.
    let history = try File.open("\(d)/clim.nc").attribute("history")?.string ?? ""
    XCTAssertTrue(history.contains(": floe reduce \(input) --var tas --op mean"), history)
    for report in ["step-1-reduce.json", "step-2-anomaly.html", "step-3-reduce.html"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: "\(d)/reports/\(report)"), report)
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: "\(d)/checkpoints/step-1"))

    // --resume: every output exists, so every step is skipped.
    let again = try MPIRun.mpirun(2, "floe", ["run", job, "--resume"])
    XCTAssertSucceeded(again, "floe run --resume")
    XCTAssertEqual(
      again.stderr.components(separatedBy: "skipped: its output exists (--resume)").count, 4,
      again.stderr)
  }

  func testABadJobFileIsRefusedNamingTheLine() throws {
    let d = directory.path
    let cases: [(String, String)] = [
      (
        "steps:\n  - reduce:\n      input: x.nc\n      var: tas\n      outptu: y.nc\n",
        "job.yaml:5: unknown key 'outptu' in step 1 (reduce); it takes: "
      ),
      ("steps:\n  - regrid: {input: x.nc}\n", "job.yaml:2: unknown step 'regrid'; steps are: "),
      (
        "defaults:\n  memory: 2GiB\nsteps:\n  - reduce: {input: x.nc}\n",
        "job.yaml:2: unknown key 'memory' in defaults; they take: "
      ),
      ("steps: [\n", "job.yaml: not YAML: "),
      ("stepz: []\n", "job.yaml:1: unknown key 'stepz'; a job file has 'defaults' and 'steps'"),
      (
        "steps:\n  - reduce: {input: x.nc, overwrite: maybe}\n",
        "job.yaml:2: 'overwrite' in step 1 (reduce) is true or false"
      ),
    ]
    for (text, message) in cases {
      let job = try write(text, to: "job.yaml")
      let run = try MPIRun.mpirun(3, "floe", ["run", job], timeout: 60)
      XCTAssertFalse(run.timedOut)
      XCTAssertEqual(run.status, 1, run.stderr)
      XCTAssertEqual(run.errorLines.count, 1, run.stderr)
      XCTAssertTrue(run.stderr.contains("floe: error: \(d)/\(message)"), run.stderr)
      XCTAssertFalse(run.stderr.contains("floe run: step"), "a step ran: \(run.stderr)")
    }
  }
}
