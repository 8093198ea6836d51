import ArgumentParser
import Floe
import Foundation

/// `floe scaling`: a strong-scaling study of one floe command. Runs alone (not under
/// mpirun): it launches the command itself at each rank count.
struct ScalingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scaling",
    abstract: "Run a floe command at several rank counts; write speed-up and efficiency.",
    discussion: """
      Runs LAUNCHER N floe ARGUMENTS... --runs times at each rank count N (in rounds: each rank count once per round, so that a drift in the machine's speed weighs on all alike), takes the median wall time of the whole command and the median worker's read / compute / exchange / wait seconds from Floe's run summary, and writes OUT.csv, OUT.md and OUT.svg. Speed-up and efficiency are relative to the first rank count (give 2,3 for the 1 -> 2 worker figure: rank 0 schedules, the others work); efficiency by the whole command's wall time, and by Floe's own run time (without the launcher and MPI's start-up and shut-down). Give the command's output with --overwrite, as every run rewrites it.

      Example: floe scaling --ranks 2,3 --runs 3 -o scaling -- reduce t6.nc --var tas --op mean -o m.nc --overwrite
      """
  )

  @Option(
    help: "Rank counts, comma-separated.",
    transform: { text in
      let counts = text.split(separator: ",").compactMap { Int($0) }
      guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 }),
        counts.count == text.split(separator: ",").count
      else { throw ValidationError("--ranks '\(text)' is not a list of rank counts like 1,2,3") }
      return counts
    })
  var ranks: [Int]

  @Option(help: "Runs per rank count (the median is reported).")
  var runs = 3

  @Option(
    help:
      "The launcher, to which the rank count is appended (e.g. \"srun -n\"; for more ranks than cores: \"mpirun --oversubscribe -np\")."
  )
  var launcher = "mpirun -np"

  @Option(name: .shortAndLong, help: "The study's files: OUT.csv, OUT.md and OUT.svg.")
  var output = "scaling"

  @Argument(parsing: .postTerminator, help: "The floe command to study, after --.")
  var command: [String]

  func validate() throws {
    guard !command.isEmpty else { throw ValidationError("give the floe command after --") }
    guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
  }

  func run() throws {
    let floe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    typealias Figures = (run: Double, read: Double, compute: Double, exchange: Double, wait: Double)
    var walls = [[Double]](repeating: [], count: ranks.count)
    var figures = [[Figures]](repeating: [], count: ranks.count)
    // Round after round, each rank count once per round: a machine whose speed drifts over
    // minutes (a shared host's memory system) then weighs on every rank count alike.
    for _ in 0..<runs {
      for (i, n) in ranks.enumerated() {
        let arguments =
          launcher.split(separator: " ").map(String.init) + [String(n), floe] + command
        let (seconds, status, errors) = try launch(arguments)
        guard status == 0 else {
          throw ValidationError(
            "the command failed at \(n) ranks (exit \(status)): \(arguments.joined(separator: " "))\n"
              + errors.split(separator: "\n").suffix(5).joined(separator: "\n"))
        }
        guard let parsed = Scaling.parse(summary: errors) else {
          throw ValidationError(
            "no run summary in the command's standard error at \(n) ranks: scaling studies floe reduce"
          )
        }
        walls[i].append(seconds)
        figures[i].append(parsed)
        FileHandle.standardError.write(
          "floe scaling: np \(n): \(String(format: "%.3f", seconds)) s\n".data(using: .utf8)!)
      }
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let points = ranks.indices.map { i in
      ScalingPoint(
        ranks: ranks[i], workers: max(1, ranks[i] - 1), wallSeconds: median(walls[i]),
        runSeconds: median(figures[i].map(\.run)), read: median(figures[i].map(\.read)),
        compute: median(figures[i].map(\.compute)), exchange: median(figures[i].map(\.exchange)),
        wait: median(figures[i].map(\.wait)))
    }
    let title = "floe " + command.joined(separator: " ")
    try Scaling.csv(points).write(toFile: output + ".csv", atomically: true, encoding: .utf8)
    let table = Scaling.markdown(points)
    try ("`\(title)`, median of \(runs) run(s) per rank count\n\n" + table).write(
      toFile: output + ".md", atomically: true, encoding: .utf8)
    try Scaling.svg(points, title: title).write(
      toFile: output + ".svg", atomically: true, encoding: .utf8)
    print(table, terminator: "")
  }

  /// Runs `arguments` (through PATH), returning wall seconds, exit status and standard error.
  func launch(_ arguments: [String]) throws -> (Double, Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    let start = Date()
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
      Date().timeIntervalSince(start), process.terminationStatus,
      String(decoding: data, as: UTF8.self)
    )
  }
}
