internal import CMPI

/// A failed MPI call, with MPI's own error string.
///
/// Floe switches MPI to `MPI_ERRORS_RETURN` at start-up, so a failing call returns
/// its code instead of aborting the job; each wrapper turns that code into this error.
public struct MPIError: Error, CustomStringConvertible, Sendable {
  /// The code the MPI call returned.
  public var code: Int32
  /// The MPI error class of `code` (`MPI_ERR_RANK`, `MPI_ERR_COUNT`, ...).
  public var errorClass: Int32
  /// The MPI function that failed, e.g. `MPI_Allreduce`.
  public var call: String
  /// MPI's description of the error (`MPI_Error_string`), or Floe's for its own checks.
  public var message: String
  /// The calling rank in `MPI_COMM_WORLD`, when MPI was running.
  public var rank: Int?

  public var description: String {
    let who = rank.map { "rank \($0): " } ?? ""
    return "\(who)\(call) failed: \(message)"
  }
}

/// Throws an `MPIError` unless `code` is `MPI_SUCCESS`.
@inline(__always)
func check(_ code: Int32, _ call: @autoclosure () -> String) throws(MPIError) {
  if code != MPI_SUCCESS { throw MPIError.from(code: code, call: call()) }
}

extension MPIError {
  static func from(code: Int32, call: String) -> MPIError {
    var errorClass: Int32 = 0
    _ = MPI_Error_class(code, &errorClass)
    var buffer = [CChar](repeating: 0, count: Int(floe_mpi_max_error_string()) + 1)
    var length: Int32 = 0
    _ = MPI_Error_string(code, &buffer, &length)
    let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return MPIError(
      code: code, errorClass: errorClass, call: call, message: message, rank: MPI.worldRank)
  }

  /// An error that Floe itself detects before calling MPI (a count that MPI cannot take).
  static func usage(_ call: String, _ message: String) -> MPIError {
    MPIError(code: -1, errorClass: -1, call: call, message: message, rank: MPI.worldRank)
  }
}

/// Converts a count to MPI's `int`, refusing counts MPI-3 cannot express.
@inline(__always)
func mpiCount(_ count: Int, _ call: String) throws(MPIError) -> Int32 {
  guard count >= 0, count <= Int(Int32.max) else {
    throw MPIError.usage(call, "count \(count) does not fit MPI's int (at most \(Int32.max))")
  }
  return Int32(count)
}
