import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The batch system's warning before it stops a job: SIGTERM (Slurm and PBS at the time
/// limit, then SIGKILL after a grace period), SIGUSR1 (Slurm's `--signal`, which mpirun passes
/// on to every rank) or SIGINT. Caught on every rank, so that none dies before rank 0 has
/// ended the superstep, had the keeper save a checkpoint, and ordered every rank to exit with
/// `exitCode`. A second signal of the same kind ends the process at once.
public enum StopSignal {
  /// EX_TEMPFAIL: "try again" — a job script can requeue itself on it.
  public static let exitCode: Int32 = 75

  private static let received = Atomic<Int32>(0)

  /// Catches the three signals (idempotent).
  public static func install() {
    for number in [SIGTERM, SIGUSR1, SIGINT] {
      signal(number) { caught in
        // Only async-signal-safe work here: an atomic store, and the default action back.
        StopSignal.received.store(caught, ordering: .relaxed)
        signal(caught, SIG_DFL)
      }
    }
  }

  /// The signal received, if any.
  public static var pending: Int32? {
    let number = received.load(ordering: .relaxed)
    return number == 0 ? nil : number
  }

  public static func name(_ number: Int32) -> String {
    switch number {
    case SIGTERM: "SIGTERM"
    case SIGUSR1: "SIGUSR1"
    case SIGINT: "SIGINT"
    default: "signal \(number)"
    }
  }
}
