import Foundation
import XCTest

/// Runs the built executables, alone or under the real `mpirun`, with a time limit that
/// turns a hang into a test failure.
///
/// Environment: `FLOE_E2E_RANKS` (default "1,2,3,5"), `FLOE_E2E_MPI_ARGS` (extra mpirun
/// arguments, e.g. "--mca btl self,tcp", or `scripts/cluster.sh mpirun-args` to place the
/// ranks on simulated hosts), `FLOE_BIN_DIR` (default: beside the test bundle).
enum MPIRun {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    /// The lines of standard error that Floe printed as errors.
    var errorLines: [String] {
      stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("floe: error:") }
    }
  }

  static var ranks: [Int] {
    let text = ProcessInfo.processInfo.environment["FLOE_E2E_RANKS"] ?? "1,2,3,5"
    return text.split(separator: ",").compactMap { Int($0) }
  }

  static var productsDirectory: URL {
    if let dir = ProcessInfo.processInfo.environment["FLOE_BIN_DIR"] {
      return URL(fileURLWithPath: dir)
    }
    #if os(macOS)
      for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent()
      }
    #endif
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  }

  /// The mpirun arguments every run gets: oversubscription (more ranks than the 2 cores),
  /// root allowed (CI runs as root), and MPI's own traffic bound to loopback — unless
  /// FLOE_E2E_MPI_ARGS binds it elsewhere (the simulated cluster of scripts/cluster.sh).
  static var mpirunArguments: [String] {
    let extra = (ProcessInfo.processInfo.environment["FLOE_E2E_MPI_ARGS"] ?? "")
      .split(separator: " ").map(String.init)
    var arguments = ["--oversubscribe", "--allow-run-as-root"]
    if !extra.contains("btl_tcp_if_include") {
      arguments += ["--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"]
    }
    return arguments + extra
  }

  /// Runs `program` (a product name) with `arguments` on `np` ranks under mpirun.
  static func mpirun(
    _ np: Int, _ program: String, _ arguments: [String], timeout: TimeInterval = 120,
    environment: [String: String] = [:]
  ) throws -> Result {
    try run(
      "/usr/bin/env",
      ["mpirun"] + mpirunArguments + ["-np", String(np), binary(program)] + arguments,
      timeout: timeout, environment: environment)
  }

  /// Runs `program` directly, without mpirun (a world of one).
  static func alone(_ program: String, _ arguments: [String], timeout: TimeInterval = 120) throws
    -> Result
  {
    try run(binary(program), arguments, timeout: timeout)
  }

  static func binary(_ program: String) -> String {
    productsDirectory.appendingPathComponent(program).path
  }

  /// Runs a process with output to files (no pipe can fill up) and kills it at the limit.
  static func run(
    _ executable: String, _ arguments: [String], timeout: TimeInterval,
    environment: [String: String] = [:]
  ) throws -> Result {
    let scratch = FileManager.default.temporaryDirectory
      .appendingPathComponent("floe-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("out")
    let errURL = scratch.appendingPathComponent("err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = launchEnvironment.merging(environment) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
      if Date() > deadline {
        timedOut = true
        process.terminate()
        Thread.sleep(forTimeInterval: 2)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        break
      }
      Thread.sleep(forTimeInterval: 0.02)
    }
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
      timedOut: timedOut)
  }

  /// This process's environment without what an in-process MPI singleton (another test's
  /// `MPI.initialize`) leaves in it: a child `mpirun` that inherited those would take itself
  /// for a process of that singleton's job and fail. A user's own OMPI_MCA_* settings stay.
  static var launchEnvironment: [String: String] {
    let singletonKeys: Set<String> = [
      "OMPI_APP_CTX_NUM_PROCS", "OMPI_MCA_ess", "OMPI_MCA_pmix", "HFI_NO_BACKTRACE",
      "IPATH_NO_BACKTRACE",
    ]
    return ProcessInfo.processInfo.environment.filter { key, _ in
      !(key.hasPrefix("PMIX_") || key.hasPrefix("ORTE_") || key.hasPrefix("OMPI_MCA_orte_")
        || singletonKeys.contains(key))
    }
  }

  /// A fresh folder for one test's files.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("floe-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// Asserts a run ended by itself with status 0.
func XCTAssertSucceeded(_ result: MPIRun.Result, _ what: String, line: UInt = #line) {
  XCTAssertFalse(result.timedOut, "\(what) hung", line: line)
  XCTAssertEqual(
    result.status, 0, "\(what) failed:\n\(result.stdout)\n\(result.stderr)", line: line)
}

/// A test case with a fresh folder for its files, removed afterwards.
class ScratchTestCase: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws { directory = try MPIRun.temporaryDirectory() }

  /// `floe gen` of `shape` in `chunks` (both "T,Y,X") into this test's folder, alone.
  func generate(_ name: String = "in.nc", shape: String, chunks: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    XCTAssertSucceeded(
      try MPIRun.alone("floe", ["gen", "-o", path, "--shape", shape, "--chunks", chunks]), "gen")
    return path
  }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }
}
