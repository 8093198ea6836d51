import ArgumentParser
import Floe
import FloeMPI
import FloeRuntime
import Logging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `floe`'s entry: parses the command line before MPI starts, so that usage errors,
/// `--help` and `--version` are printed once (by the launcher's rank 0) and every rank
/// exits with the same code.
@main
enum Main {
  static func main() {
    Allocator.keepFreedMemory()
    let printer = LaunchEnvironment.rank == 0
    FloeLogHandler.rank = LaunchEnvironment.rank
    LoggingSystem.bootstrap { _ in FloeLogHandler() }
    do {
      var command = try FloeCommand.parseAsRoot(
        cdoStyleArguments(Array(CommandLine.arguments.dropFirst())))
      if var distributed = command as? DistributedCommand {
        exit(runUnderMPI(&distributed))
      }
      try command.run()
    } catch {
      let code = FloeCommand.exitCode(for: error).rawValue
      // mpirun ends the whole job when the first rank exits non-zero, which could kill
      // rank 0 before it prints: under a launcher, every rank waits for rank 0's message.
      if code != 0 && LaunchEnvironment.size > 1, let world = try? MPI.initialize() {
        if world.rank == 0 { FloeCommand.exit(withError: error) }  // never returns
        try? world.barrier(.sleeping)
        MPI.finalize()
        exit(code)
      }
      if printer { FloeCommand.exit(withError: error) }
      exit(code)
    }
  }

  /// Starts MPI, runs the command on every rank, and ends MPI; returns the exit code.
  static func runUnderMPI(_ command: inout DistributedCommand) -> Int32 {
    let world: Communicator
    do {
      world = try MPI.initialize()
    } catch {
      Agreement.printError("cannot start MPI: \(error)")
      return JobFailure.failedExitCode
    }
    var code: Int32 = 0
    do {
      try BuildFingerprint.agree(world, version: FloeVersion.description)
      try command.run(world: world)
    } catch let failure as JobFailure {
      code = failure.exitCode  // already printed once by rank 0
    } catch {
      // Not agreed across ranks: this rank alone knows. End them all rather than hang.
      Agreement.printError("rank \(world.rank): \(error)")
      MPI.abort(world, code: JobFailure.failedExitCode)
    }
    MPI.finalize()
    return code
  }
}

/// The command line a command's output records in its `history`: the process's, or the
/// job-file step's that `floe run` is running.
enum Invocation {
  nonisolated(unsafe) static var arguments = Array(CommandLine.arguments.dropFirst())
  static var commandLine: String { (["floe"] + arguments).joined(separator: " ") }
}

/// A command that runs on every rank of an MPI job (a world of one without mpirun).
protocol DistributedCommand: ParsableCommand {
  func run(world: Communicator) throws
}

extension DistributedCommand {
  func run() throws {
    var me: DistributedCommand = self
    let code = Main.runUnderMPI(&me)
    if code != 0 { throw ExitCode(code) }
  }
}

/// CDO writes parameters after a comma (`timpctl,95`); the command line's parser wants
/// them as an option: `timpctl --percentile 95`.
func cdoStyleArguments(_ arguments: [String]) -> [String] {
  guard let first = arguments.first, first.hasPrefix("timpctl,") else { return arguments }
  return ["timpctl", "--percentile", String(first.dropFirst("timpctl,".count))]
    + arguments.dropFirst()
}

/// What the launcher tells a process before MPI starts.
enum LaunchEnvironment {
  /// This process's rank from the launcher's environment (Open MPI, MPICH/PMI, Slurm),
  /// or 0 when not launched by one.
  static var rank: Int {
    number(["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"]) ?? 0
  }

  /// How many ranks the launcher started, or 1.
  static var size: Int { number(["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]) ?? 1 }

  private static func number(_ names: [String]) -> Int? {
    for name in names {
      if let value = getenv(name), let n = Int(String(cString: value)) { return n }
    }
    return nil
  }
}

struct FloeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "floe",
    abstract: "A bulk-synchronous MPI runtime for reductions of netCDF-4 / HDF5 data.",
    discussion: """
      Run under mpirun or srun for many ranks (rank 0 schedules, the others work), or alone
      for a world of one. Example:
        mpirun -np 4 floe gen -o tas.nc --shape 730,73,144
        mpirun -np 4 floe info tas.nc
        mpirun -np 4 floe reduce tas.nc --var tas --op mean --over time -o tas_mean.nc
      """,
    version: FloeVersion.description,
    subcommands: [
      InfoCommand.self, GenCommand.self, ReduceCommand.self, AnomalyCommand.self,
      RunCommand.self, ScalingCommand.self,
    ]
      + cdoStyleCommands
  )
}
