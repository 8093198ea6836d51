internal import CMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The MPI library of this process: start-up, shut-down and facts about it.
public enum MPI {
  /// Starts MPI once for this process and returns the world.
  ///
  /// Asks for `MPI_THREAD_FUNNELED` (only the main thread calls MPI) and switches the
  /// world communicator to `MPI_ERRORS_RETURN`, so that failures become thrown errors.
  /// Without `mpirun` this is a world of one. Calling it again returns the same world.
  /// With Open MPI, first names its point-to-point layer where the answer is known
  /// (`OpenMPIDefaults`). Wraps `MPI_Init_thread` and `MPI_Comm_set_errhandler`.
  @discardableResult
  public static func initialize() throws(MPIError) -> Communicator {
    if !isInitialized {
      if String(cString: floe_mpi_implementation()) == "Open MPI" {
        pmlNamedByFloe = OpenMPIDefaults.applyToThisProcess()
      }
      var provided: Int32 = 0
      try check(
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
      try check(
        MPI_Comm_set_errhandler(floe_mpi_comm_world(), floe_mpi_errors_return()),
        "MPI_Comm_set_errhandler")
      try check(
        MPI_Comm_set_errhandler(floe_mpi_comm_self(), floe_mpi_errors_return()),
        "MPI_Comm_set_errhandler")
    }
    return Communicator.world
  }

  /// The point-to-point layer Floe named for Open MPI before it started (`"ob1"` on a node
  /// with no fabric device and no choice of its own), or `nil` when Open MPI chose.
  public nonisolated(unsafe) private(set) static var pmlNamedByFloe: String?

  /// Ends MPI for this process; safe to call more than once and before `initialize`.
  /// Wraps `MPI_Finalize`.
  public static func finalize() {
    if isInitialized && !isFinalized { _ = MPI_Finalize() }
  }

  /// Whether `MPI_Init_thread` has run. Wraps `MPI_Initialized`.
  public static var isInitialized: Bool {
    var flag: Int32 = 0
    _ = MPI_Initialized(&flag)
    return flag != 0
  }

  /// Whether `MPI_Finalize` has run. Wraps `MPI_Finalized`.
  public static var isFinalized: Bool {
    var flag: Int32 = 0
    _ = MPI_Finalized(&flag)
    return flag != 0
  }

  /// This process's rank in the world while MPI runs, else `nil`.
  public static var worldRank: Int? {
    guard isInitialized && !isFinalized else { return nil }
    var rank: Int32 = 0
    guard MPI_Comm_rank(floe_mpi_comm_world(), &rank) == MPI_SUCCESS else { return nil }
    return Int(rank)
  }

  /// The MPI library's own version line. Wraps `MPI_Get_library_version`.
  public static var libraryVersion: String {
    var buffer = [CChar](repeating: 0, count: Int(floe_mpi_max_library_version_string()) + 1)
    var length: Int32 = 0
    _ = MPI_Get_library_version(&buffer, &length)
    let full = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return full.split(separator: "\n").first.map(String.init) ?? full
  }

  /// The MPI standard version, e.g. "3.1". Wraps `MPI_Get_version`.
  public static var standardVersion: String {
    var major: Int32 = 0
    var minor: Int32 = 0
    _ = MPI_Get_version(&major, &minor)
    return "\(major).\(minor)"
  }

  /// The host this rank runs on. Wraps `MPI_Get_processor_name`.
  public static var processorName: String {
    var buffer = [CChar](repeating: 0, count: Int(floe_mpi_max_processor_name()) + 1)
    var length: Int32 = 0
    guard MPI_Get_processor_name(&buffer, &length) == MPI_SUCCESS else { return "unknown-host" }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// Seconds since an arbitrary point in the past. Wraps `MPI_Wtime`.
  public static func wallTime() -> Double { MPI_Wtime() }

  /// Ends every rank of `communicator` at once; for when an orderly exit cannot be agreed.
  /// Wraps `MPI_Abort`.
  public static func abort(_ communicator: Communicator = .world, code: Int32) -> Never {
    _ = MPI_Abort(communicator.handle, code)
    exit(code)
  }
}
