import Foundation
import XCTest

/// Ranks on several hosts (scripts/test.sh runs this suite on a simulated cluster too): the
/// memory budget per node, the check against each host's memory, and what the exchange
/// sends within and across hosts.
final class NodeTests: ScratchTestCase {
  /// 400 steps of 100 x 100 float32 in 20 units of 20 steps.
  func makeInput() throws -> String {
    try generate(shape: "400,100,100", chunks: "20,100,100")
  }

  /// The hosts of a run's placement line ("floe: 4 rank(s) on 2 host(s): floe1 2 (ranks
  /// 0-1), floe2 2 (ranks 2-3)"), each with its ranks.
  func hosts(in stderr: String) throws -> [(host: String, ranks: [Int])] {
    let line = try XCTUnwrap(
      stderr.split(separator: "\n").first {
        $0.contains(" rank(s) on ") && $0.contains(" host(s): ")
      })
    let groups = try NSRegularExpression(pattern: #"(\S+) (\d+) \(ranks ([^)]*)\)"#)
    let text = String(line)
    return groups.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
      let part = { (i: Int) in String(text[Range(match.range(at: i), in: text)!]) }
      let ranks = part(3).split(separator: ",").flatMap { span -> [Int] in
        let ends = span.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        return Array(ends[0]...(ends.count > 1 ? ends[1] : ends[0]))
      }
      return (part(1), ranks)
    }
  }

  func testMemoryPerNodeIsSharedByTheRanksOfEachHost() throws {
    let input = try makeInput()
    for ranks in MPIRun.ranks {
      let out = directory.appendingPathComponent("node-\(ranks).nc").path
      let perRank = directory.appendingPathComponent("rank-\(ranks).nc").path
      let report = directory.appendingPathComponent("node-\(ranks).json").path
      let run = try MPIRun.mpirun(
        ranks, "floe",
        [
          "reduce", input, "--var", "tas", "--op", "std", "-o", out, "--memory-per-node", "24MiB",
          "--report", report,
        ])
      XCTAssertSucceeded(run, "--memory-per-node on \(ranks) ranks")
      let placement = try hosts(in: run.stderr)
      XCTAssertEqual(placement.reduce(0) { $0 + $1.ranks.count }, ranks, run.stderr)
      // Working ranks per host (rank 0 schedules, unless alone); the first fullest host.
      let working = placement.map { h in (h.host, h.ranks.filter { $0 != 0 || ranks == 1 }.count) }
      let most = working.map(\.1).max() ?? 1
      let fullest = (host: working.first { $0.1 == most }!.0, workers: most)
      // 24 MiB shared by the most working ranks on one host: 24, 12, 8, 6 MiB for 1 to 4.
      let each = ["24.0", "12.0", "8.0", "6.0", "4.8", "4.0"][fullest.workers - 1]
      XCTAssertTrue(
        run.stderr.contains(
          "of --memory-per-node 24.0 MiB (\(fullest.workers) working rank(s) on \(fullest.host): \(each) MiB each)"
        ), run.stderr)
      let json =
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
      XCTAssertEqual(
        json?["memoryPerRankBytes"] as? Int, (24 << 20) / fullest.workers, "the report's budget")
      // The report's per-worker messages: every worker but the keeper sends once a superstep,
      // or once in the whole job if the workers keep their results until the end.
      let held = run.stderr.contains("each worker keeps its results until the end")
      let phase = (json?["phases"] as? [[String: Any]])?.last
      let summary = phase?["summary"] as? [String: Any]
      let workers = summary?["workers"] as? [[String: Any]] ?? []
      let sent = workers.reduce(0) {
        $0 + ($1["messagesWithinHost"] as? Int ?? 0) + ($1["messagesAcrossHosts"] as? Int ?? 0)
      }
      let supersteps = summary?["supersteps"] as? Int ?? -1
      XCTAssertEqual(
        sent, (held ? 1 : supersteps) * (max(1, ranks - 1) - 1), "report of \(ranks) ranks")
      // The same values as a per-rank budget of that share.
      XCTAssertSucceeded(
        try MPIRun.mpirun(
          ranks, "floe",
          [
            "reduce", input, "--var", "tas", "--op", "std", "-o", perRank, "--memory-per-rank",
            "\((24 << 20) / fullest.workers)",
          ]), "--memory-per-rank")
      XCTAssertEqual(try tasBytes(out), try tasBytes(perRank))
    }
  }

  func tasBytes(_ path: String) throws -> [UInt8] {
    let dump = try MPIRun.run(
      "/usr/bin/env", ["h5dump", "-b", "LE", "-d", "tas", "-o", path + ".bin", path], timeout: 60)
    XCTAssertEqual(dump.status, 0, dump.stderr)
    return Array(try Data(contentsOf: URL(fileURLWithPath: path + ".bin")))
  }

  /// A plan whose ranks need more than their host has is refused before any data moves,
  /// naming the host, its ranks and what fits; every rank exits non-zero; no output.
  func testAPlanThatDoesNotFitAHostIsRefusedNamingIt() throws {
    let input = try makeInput()
    let out = directory.appendingPathComponent("out.nc").path
    // Every host says it has 3 MiB: at 12 MiB each, each of the two workers' plan takes
    // 3.8 MiB (4.6 MiB if it sent its results every superstep), more than its host has,
    // whatever the placement.
    let run = try MPIRun.mpirun(
      3, "floe",
      ["reduce", input, "--var", "tas", "--op", "mean", "-o", out, "--memory-per-rank", "12MiB"],
      timeout: 60, environment: ["FLOE_DEBUG_HOST_MEMORY": "3MiB"])
    XCTAssertFalse(run.timedOut)
    XCTAssertNotEqual(run.status, 0)
    XCTAssertEqual(run.errorLines.count, 1, run.stderr)
    let message = try XCTUnwrap(run.errorLines.first)
    XCTAssertTrue(message.contains("--memory-per-rank 12.0 MiB does not fit on "), message)
    XCTAssertTrue(message.contains(" has 3.0 MiB; give at most --memory-per-rank "), message)
    XCTAssertTrue(
      message.contains("or --memory-per-node 3.0 MiB, or fewer ranks per host"), message)
    // Named: the first host in rank order with a working rank (one needs more than 3 MiB).
    let ranks = try XCTUnwrap(
      message.range(
        of: #"does not fit on \S+: its \d+ rank\(s\) \([^)]*\)"#, options: .regularExpression),
      message)
    XCTAssertFalse(message[ranks].hasSuffix("(0)"), message)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))

    // A percentile's bands are checked the same way.
    let p95 = try MPIRun.mpirun(
      3, "floe", ["reduce", input, "--var", "tas", "--op", "p95", "-o", out], timeout: 60,
      environment: ["FLOE_DEBUG_HOST_MEMORY": "4MiB"])
    XCTAssertNotEqual(p95.status, 0)
    XCTAssertEqual(p95.errorLines.count, 1, p95.stderr)
    XCTAssertTrue(
      p95.errorLines.first?.contains("--memory-per-rank 1.0 GiB does not fit on ") ?? false,
      p95.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))

    // With a budget per node of what the host has (8 MiB here), it fits: fewer units per
    // superstep.
    let fits = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", input, "--var", "tas", "--op", "mean", "-o", out, "--memory-per-node", "8MiB",
        "--overwrite",
      ], timeout: 60, environment: ["FLOE_DEBUG_HOST_MEMORY": "8MiB"])
    XCTAssertSucceeded(fits, "--memory-per-node 8MiB")
  }

  /// Every worker but the keeper sends once in the job (each keeps its results until the
  /// end), or once per superstep when the job saves checkpoints; a host's workers merge
  /// among themselves, so one message per host with workers, but the first, crosses hosts.
  /// Both give the bytes of one rank.
  func testTheExchangeCrossesBetweenHostsOncePerHost() throws {
    let input = try makeInput()
    let alone = directory.appendingPathComponent("alone.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(
        1, "floe", ["reduce", input, "--var", "tas", "--op", "std", "-o", alone]), "one rank")
    let checkpoints = directory.appendingPathComponent("checkpoints").path
    try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
    for (ranks, held) in MPIRun.ranks.filter({ $0 > 2 }).flatMap({ [($0, true), ($0, false)] }) {
      let out = directory.appendingPathComponent("out-\(ranks)-\(held).nc").path
      let run = try MPIRun.mpirun(
        ranks, "floe",
        // Holding results takes more memory (docs/runtime.md), checkpoints less.
        ["reduce", input, "--var", "tas", "--op", "std", "-o", out, "--memory-per-rank"]
          + (held ? ["8MiB"] : ["6MiB", "--checkpoint", checkpoints, "--checkpoint-every", "1000"]))
      XCTAssertSucceeded(run, "std on \(ranks) ranks")
      XCTAssertEqual(
        run.stderr.contains("each worker keeps its results until the end"), held, run.stderr)
      XCTAssertEqual(
        run.stderr.contains("results go to the keeper after every superstep"), !held, run.stderr)
      XCTAssertEqual(try tasBytes(out), try tasBytes(alone), "\(ranks) ranks, held \(held)")
      let placement = try hosts(in: run.stderr)
      let hostsWithWorkers = placement.filter { $0.ranks.contains { $0 != 0 } }.count
      let done = try XCTUnwrap(
        run.stderr.split(separator: "\n").first { $0.hasPrefix("floe: done: ") })
      let supersteps = try XCTUnwrap(
        Int(done.split(separator: " ")[5]), "\(done)")  // "floe: done: 20 units in S supersteps"
      let exchange = try XCTUnwrap(
        run.stderr.split(separator: "\n").first { $0.hasPrefix("floe: exchange: ") })
      let numbers = exchange.split(separator: " ")
      let within = try XCTUnwrap(Int(numbers[2]), "\(exchange)")
      let across = try XCTUnwrap(Int(numbers[8]), "\(exchange)")
      let times = held ? 1 : supersteps
      XCTAssertGreaterThan(supersteps, 1, "\(done)")
      XCTAssertEqual(within + across, times * (ranks - 2), "\(exchange)")
      XCTAssertEqual(across, times * (hostsWithWorkers - 1), "\(exchange)\n\(run.stderr)")
    }
  }
}
