import FloeHDF5
import Foundation
import XCTest

/// `--checkpoint` and `--resume` under mpirun: a worker killed mid-run loses at most the
/// work since the last checkpoint, and the resumed job, at any rank count, writes the values
/// of a run never stopped; a checkpoint from another job, or a damaged one, is refused.
final class CheckpointTests: ScratchTestCase {
  /// 100 units of 20 steps; a budget of one unit per worker per superstep.
  func makeInput() throws -> String {
    try generate(shape: "2000,100,100", chunks: "10,100,100")
  }

  func reduce(_ input: String, op: String, output: String, _ more: [String]) -> [String] {
    ["reduce", input, "--var", "tas", "--op", op, "-o", output, "--memory-per-rank", "6MiB"]
      + more
  }

  func bits(_ path: String) throws -> [UInt32] {
    try File.open(path).dataset("tas").readAll(Float.self).map(\.bitPattern)
  }

  /// A run whose keeper dies by SIGKILL after its third checkpoint (30 of 100 units).
  func killedRun(_ input: String, op: String, checkpoints: String, _ more: [String] = []) throws {
    try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
    let out = directory.appendingPathComponent("killed.nc").path
    let killed = try MPIRun.mpirun(
      3, "floe",
      reduce(
        input, op: op, output: out, more + ["--checkpoint", checkpoints, "--checkpoint-every", "5"]),
      timeout: 60, environment: ["FLOE_DEBUG_KILL_AFTER_CHECKPOINT": "3"])
    XCTAssertFalse(killed.timedOut, "a killed worker hung the job")
    XCTAssertNotEqual(killed.status, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a killed job left an output")
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: checkpoints + "/floe-checkpoint.h5"), killed.stderr)
  }

  /// Resumes a copy of the checkpoint in `saved` on 2, 3 and 5 ranks: each must succeed,
  /// write the bits of `clean` and remove its checkpoint; `check` looks at each resume's
  /// standard error (and its checkpoint directory).
  func resumeAtEveryRankCount(
    _ input: String, op: String, _ more: [String] = [], saved: String, clean: String,
    check: (_ stderr: String, _ checkpoints: String) -> Void
  ) throws {
    for ranks in [2, 3, 5] {
      // Each resume from a copy of the same checkpoint.
      let checkpoints = directory.appendingPathComponent("resume-\(op)-\(ranks)").path
      try FileManager.default.copyItem(atPath: saved, toPath: checkpoints)
      let out = directory.appendingPathComponent("resumed-\(op)-\(ranks).nc").path
      let resumed = try MPIRun.mpirun(
        ranks, "floe",
        reduce(input, op: op, output: out, more + ["--checkpoint", checkpoints, "--resume"]),
        timeout: 60)
      XCTAssertSucceeded(resumed, "resume \(op) on \(ranks) ranks")
      check(resumed.stderr, checkpoints)
      XCTAssertEqual(try bits(out), try bits(clean), "\(op) resumed on \(ranks) ranks")
      XCTAssertFalse(
        FileManager.default.fileExists(atPath: checkpoints + "/floe-checkpoint.h5"),
        "the checkpoint outlived the output")
    }
  }

  func testAKilledWorkerResumesAtAnyRankCountToTheSameValues() throws {
    let input = try makeInput()
    for op in ["std", "mean"] {
      let clean = directory.appendingPathComponent("clean-\(op).nc").path
      XCTAssertSucceeded(try MPIRun.mpirun(3, "floe", reduce(input, op: op, output: clean, [])), op)
      let saved = directory.appendingPathComponent("saved-\(op)").path
      try killedRun(input, op: op, checkpoints: saved)
      try resumeAtEveryRankCount(input, op: op, saved: saved, clean: clean) {
        stderr, checkpoints in
        // Three checkpoints of five supersteps: some units done, not all.
        let line = stderr.split(separator: "\n").first { $0.contains("resuming from") }
        let done = line.flatMap { Int($0.split(separator: " ").dropLast(4).last ?? "") }
        XCTAssertTrue(
          line?.hasPrefix("floe: resuming from \(checkpoints)/floe-checkpoint.h5: ") ?? false,
          stderr)
        XCTAssertTrue((1..<100).contains(done ?? 0), stderr)
      }
    }
  }

  /// SIGUSR1 to mpirun (Slurm's `--signal`; mpirun passes it to every rank) and SIGTERM to
  /// rank 0 (what the batch system sends at the time limit): the superstep ends, the keeper
  /// saves, every rank exits with 75, and --resume finishes with the values of a clean run.
  func testTheBatchSystemsWarningSavesAndExitsWithItsOwnCode() throws {
    let input = try makeInput()
    let clean = directory.appendingPathComponent("clean.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(3, "floe", reduce(input, op: "std", output: clean, [])), "clean")
    for (signal, name, target) in [(SIGUSR1, "SIGUSR1", "launcher"), (SIGTERM, "SIGTERM", "self")] {
      let checkpoints = directory.appendingPathComponent("warned-\(name)").path
      try FileManager.default.createDirectory(
        atPath: checkpoints, withIntermediateDirectories: true)
      let out = directory.appendingPathComponent("warned-\(name).nc").path
      let warned = try MPIRun.mpirun(
        3, "floe", reduce(input, op: "std", output: out, ["--checkpoint", checkpoints]),
        timeout: 60, environment: ["FLOE_DEBUG_SIGNAL": "5:\(signal):\(target)"])
      XCTAssertFalse(warned.timedOut)
      XCTAssertEqual(warned.status, 75, warned.stderr)
      XCTAssertTrue(warned.stderr.contains("floe: stopped by \(name) after "), warned.stderr)
      XCTAssertTrue(
        warned.stderr.contains(
          "progress saved in \(checkpoints)/floe-checkpoint.h5; run the same command with --resume to continue"
        ), warned.stderr)
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
      let resumed = try MPIRun.mpirun(
        2, "floe",
        reduce(input, op: "std", output: out, ["--checkpoint", checkpoints, "--resume"]),
        timeout: 60)
      XCTAssertSucceeded(resumed, "resume after \(name)")
      XCTAssertEqual(try bits(out), try bits(clean), "resumed after \(name)")
    }
  }

  /// `floe timstd IN OUT --checkpoint DIR` and `floe timpctl,95 ...` save and resume as
  /// `floe reduce` does.
  func testCDOStyleCommandsCheckpointToo() throws {
    let input = try makeInput()
    for (op, command) in [("std", "timstd"), ("p95", "timpctl,95")] {
      let clean = directory.appendingPathComponent("clean-\(op).nc").path
      XCTAssertSucceeded(
        try MPIRun.mpirun(3, "floe", reduce(input, op: op, output: clean, [])), "clean")
      let checkpoints = directory.appendingPathComponent("cdo-\(op)").path
      try FileManager.default.createDirectory(
        atPath: checkpoints, withIntermediateDirectories: true)
      let out = directory.appendingPathComponent("\(op).nc").path
      let arguments = [
        command, input, out, "--memory-per-rank", "6MiB", "--checkpoint", checkpoints,
        "--checkpoint-every", "5", "--resume",
      ]
      let killed = try MPIRun.mpirun(
        3, "floe", arguments, timeout: 60,
        environment: ["FLOE_DEBUG_KILL_AFTER_CHECKPOINT": "2"])
      XCTAssertNotEqual(killed.status, 0, killed.stderr)
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
      let resumed = try MPIRun.mpirun(5, "floe", arguments, timeout: 60)
      XCTAssertSucceeded(resumed, "\(command) resumed")
      XCTAssertTrue(resumed.stderr.contains("floe: resuming from "), resumed.stderr)
      XCTAssertEqual(try bits(out), try bits(clean), command)
    }
  }

  /// Percentiles save the finished rows' results (100 rows in bands of 2 per worker): killed
  /// after a third checkpoint, resumed on 2, 3 and 5 ranks (other bands, other time shares),
  /// they give the values of a clean run, grouped by month too; SIGUSR1 to mpirun saves and
  /// exits with 75, and the resumed job finishes.
  func testPercentilesResumeAtAnyRankCountToTheSameValues() throws {
    let input = try makeInput()
    for (op, more) in [("p95", [String]()), ("median", ["--by", "time.month"])] {
      let clean = directory.appendingPathComponent("clean-\(op).nc").path
      XCTAssertSucceeded(
        try MPIRun.mpirun(3, "floe", reduce(input, op: op, output: clean, more)), op)
      let saved = directory.appendingPathComponent("saved-\(op)").path
      try killedRun(input, op: op, checkpoints: saved, more)
      try resumeAtEveryRankCount(input, op: op, more, saved: saved, clean: clean) { stderr, _ in
        // Three checkpoints of five supersteps of 2 x 2 rows.
        XCTAssertTrue(stderr.contains(": 60 of 100 rows done"), stderr)
      }
    }
    let clean = directory.appendingPathComponent("clean-p95.nc").path
    let checkpoints = directory.appendingPathComponent("warned-p95").path
    try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
    let out = directory.appendingPathComponent("warned-p95.nc").path
    let warned = try MPIRun.mpirun(
      3, "floe", reduce(input, op: "p95", output: out, ["--checkpoint", checkpoints]),
      timeout: 60, environment: ["FLOE_DEBUG_SIGNAL": "5:\(SIGUSR1):launcher"])
    XCTAssertFalse(warned.timedOut)
    XCTAssertEqual(warned.status, 75, warned.stderr)
    XCTAssertTrue(warned.stderr.contains("floe: stopped by SIGUSR1 after "), warned.stderr)
    XCTAssertTrue(warned.stderr.contains(" of 100 rows: progress saved in "), warned.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    let resumed = try MPIRun.mpirun(
      2, "floe", reduce(input, op: "p95", output: out, ["--checkpoint", checkpoints, "--resume"]),
      timeout: 60)
    XCTAssertSucceeded(resumed, "resume after SIGUSR1")
    XCTAssertEqual(try bits(out), try bits(clean), "p95 resumed after SIGUSR1")
  }

  /// `floe anomaly --checkpoint`: killed in the climatology pass, it resumes that pass;
  /// killed in the anomaly pass, it keeps the climatology and the half-written output and
  /// writes only the units after the checkpoint; with the half-written output gone, it starts
  /// the anomalies over from the saved climatology. Always the values of a clean run.
  func testAnomalyResumesFromEitherPass() throws {
    let input = try makeInput()
    let anomaly = { (output: String, more: [String]) in
      [
        // One unit per worker per superstep in both passes: 50 supersteps each.
        "anomaly", input, "--var", "tas", "--by", "time.month", "-o", output,
        "--memory-per-rank", "16MiB",
      ] + more
    }
    let clean = directory.appendingPathComponent("clean.nc").path
    XCTAssertSucceeded(try MPIRun.mpirun(3, "floe", anomaly(clean, [])), "clean")
    let out = directory.appendingPathComponent("anomaly.nc").path
    let partial = out + ".floe-partial"
    let manager = FileManager.default
    for (pass, variable) in [
      (1, "FLOE_DEBUG_KILL_AFTER_CHECKPOINT"), (2, "FLOE_DEBUG_KILL_AFTER_ANOMALY_CHECKPOINT"),
    ] {
      let checkpoints = directory.appendingPathComponent("pass\(pass)").path
      try manager.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
      let options = ["--checkpoint", checkpoints, "--checkpoint-every", "5"]
      let killed = try MPIRun.mpirun(
        3, "floe", anomaly(out, options), timeout: 60, environment: [variable: "3"])
      XCTAssertNotEqual(killed.status, 0, killed.stderr)
      XCTAssertFalse(manager.fileExists(atPath: out), "a killed job left an output")
      XCTAssertEqual(
        manager.fileExists(atPath: checkpoints + "/floe-checkpoint.h5"), pass == 1, killed.stderr)
      XCTAssertEqual(manager.fileExists(atPath: checkpoints + "/floe-anomaly.h5"), pass == 2)
      XCTAssertEqual(manager.fileExists(atPath: partial), pass == 2, "the half-written output")
      let copy = checkpoints + "-copy"
      try manager.copyItem(atPath: checkpoints, toPath: copy)

      let resumed = try MPIRun.mpirun(
        pass == 1 ? 5 : 2, "floe", anomaly(out, options + ["--resume"]), timeout: 60)
      XCTAssertSucceeded(resumed, "resumed in pass \(pass)")
      XCTAssertTrue(
        resumed.stderr.contains(
          pass == 1
            ? "floe: resuming from \(checkpoints)/floe-checkpoint.h5: "
            : "floe: resuming from \(checkpoints)/floe-anomaly.h5: climatology done, 30 of 100 units of anomalies done"
        ), resumed.stderr)
      XCTAssertEqual(try bits(out), try bits(clean), "resumed in pass \(pass)")
      for leftover in [
        checkpoints + "/floe-checkpoint.h5", checkpoints + "/floe-anomaly.h5", partial,
      ] {
        XCTAssertFalse(manager.fileExists(atPath: leftover), "\(leftover) outlived the output")
      }
      if pass == 2 {
        // The half-written output is gone: the saved climatology serves, the units do not.
        try manager.removeItem(atPath: out)
        let over = try MPIRun.mpirun(
          3, "floe", anomaly(out, ["--checkpoint", copy, "--resume"]), timeout: 60)
        XCTAssertSucceeded(over, "resumed without the half-written output")
        XCTAssertTrue(
          over.stderr.contains("the anomalies start over from the saved climatology"), over.stderr)
        XCTAssertTrue(over.stderr.contains("climatology done, 0 of 100 units"), over.stderr)
        XCTAssertEqual(try bits(out), try bits(clean), "started over from the climatology")
      }
      try manager.removeItem(atPath: out)
    }
  }

  func testACheckpointFromAnotherJobOrDamagedIsRefused() throws {
    let input = try makeInput()
    let saved = directory.appendingPathComponent("saved").path
    try killedRun(input, op: "std", checkpoints: saved)
    let out = directory.appendingPathComponent("out.nc").path

    func resume(_ op: String, _ name: String) throws -> MPIRun.Result {
      let checkpoints = directory.appendingPathComponent(name).path
      if !FileManager.default.fileExists(atPath: checkpoints) {
        try FileManager.default.copyItem(atPath: saved, toPath: checkpoints)
      }
      return try MPIRun.mpirun(
        3, "floe", reduce(input, op: op, output: out, ["--checkpoint", checkpoints, "--resume"]),
        timeout: 60)
    }
    func expectRefusal(_ result: MPIRun.Result, _ message: String) {
      XCTAssertFalse(result.timedOut)
      XCTAssertEqual(result.status, 1, result.stderr)
      XCTAssertEqual(result.errorLines.count, 1, result.stderr)
      XCTAssertTrue(result.stderr.contains(message), result.stderr)
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    // Another operation.
    expectRefusal(try resume("mean", "other-op"), "is from another job (operation:")

    // Another Floe.
    let version = directory.appendingPathComponent("other-version").path
    try FileManager.default.copyItem(atPath: saved, toPath: version)
    do {
      let file = try File.open(version + "/floe-checkpoint.h5", writable: true)
      let json = try XCTUnwrap(try file.attribute("fingerprint")?.string)
      try file.setAttribute(
        "fingerprint", .text(json.replacingOccurrences(of: "\"0.1.0\"", with: "\"0.0.9\"")))
    }
    expectRefusal(try resume("std", "other-version"), "Floe version: '0.0.9' there")

    // A changed input (its modification time).
    let moved = try FileManager.default.attributesOfItem(atPath: input)[.modificationDate] as! Date
    try FileManager.default.setAttributes(
      [.modificationDate: moved.addingTimeInterval(-3600)], ofItemAtPath: input)
    expectRefusal(try resume("std", "changed-input"), "input 1:")
    try FileManager.default.setAttributes([.modificationDate: moved], ofItemAtPath: input)

    // Damaged nodes.
    let damaged = directory.appendingPathComponent("damaged").path
    try FileManager.default.copyItem(atPath: saved, toPath: damaged)
    let path = damaged + "/floe-checkpoint.h5"
    let junk = [UInt8](repeating: 0x5A, count: 16)
    try junk.withUnsafeBufferPointer {
      try File.open(path, writable: true).dataset("nodes").write($0, start: [64], count: [16])
    }
    expectRefusal(try resume("std", "damaged"), "do not match their checksum")

    // Not a checkpoint at all.
    let bogus = directory.appendingPathComponent("bogus").path
    try FileManager.default.createDirectory(atPath: bogus, withIntermediateDirectories: true)
    try Data("no".utf8).write(to: URL(fileURLWithPath: bogus + "/floe-checkpoint.h5"))
    expectRefusal(try resume("std", "bogus"), "floe-checkpoint.h5")
  }
}
