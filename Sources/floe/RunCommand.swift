import ArgumentParser
import Floe
import FloeMPI
import FloeRuntime
import Foundation

struct RunCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run the steps of a YAML job file in order, on the same ranks.",
    discussion: """
      A job file has 'steps' (each 'reduce' or 'anomaly' with that command's options as keys: input, var, op, by, output, ...) and 'defaults' for every step that takes them: memory-per-rank, overwrite, quiet, progress-every, checkpoint (a folder: one sub-folder per step) and report (a folder: step-N-KIND.html and .json). A key a step does not take is an error naming the key and its line, before anything runs. Examples in jobs/.
      """
  )

  @Argument(help: "The job file (YAML).")
  var job: String

  @Flag(
    help:
      "Skip steps whose output exists (outputs appear only when complete) and resume the others from their checkpoints."
  )
  var resume = false

  @Flag(help: "Print each step's command line and run nothing.")
  var dryRun = false

  func run(world: Communicator) throws {
    // Rank 0 reads and checks the whole file; every rank gets the same steps.
    let encoded = try Agreement.rankZero(world) { () throws -> [UInt8] in
      guard let text = try? String(contentsOfFile: job, encoding: .utf8) else {
        throw JobFileError("\(job): cannot read the job file")
      }
      let file = try JobFile(yaml: text, path: job, resume: resume)
      if !dryRun {
        for folder in file.checkpointFolders {
          try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true)
        }
      }
      return Array(try JSONEncoder().encode(file.steps))
    }
    let steps = try JSONDecoder().decode(
      [JobFile.Step].self, from: Data(try world.broadcastArray(encoded ?? [], root: 0)))
    for (n, step) in steps.enumerated() {
      if world.rank == 0 {
        let state = step.skipped ? " skipped: its output exists (--resume)" : ""
        writeStandardError(
          "floe run: step \(n + 1) of \(steps.count) (\(job):\(step.line)): floe \(step.arguments.joined(separator: " "))\(state)\n"
        )
      }
      if step.skipped || dryRun { continue }
      let command: ParsableCommand
      do {
        command = try FloeCommand.parseAsRoot(step.arguments)
      } catch {
        // The same arguments on every rank: every rank fails alike; rank 0 says why.
        let message =
          "\(job):\(step.line): step \(n + 1): \(FloeCommand.message(for: error))"
        if world.rank == 0 { Agreement.printError(message) }
        throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
      }
      guard let distributed = command as? DistributedCommand else {
        throw JobFailure(message: "step \(n + 1) is no job step", exitCode: 64)
      }
      Invocation.arguments = step.arguments
      try distributed.run(world: world)
    }
  }
}
