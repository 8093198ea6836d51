internal import CMPI

/// What a receive learned about the message it took.
public struct MessageStatus: Sendable {
  /// The sending rank.
  public var source: Int
  /// The message tag.
  public var tag: Int
  /// How many elements arrived.
  public var count: Int
}

extension Communicator {
  /// Sends `values` to rank `destination`. Wraps `MPI_Send`.
  public func send<T: MPIScalar>(_ values: [T], to destination: Int, tag: Int = 0)
    throws(MPIError)
  {
    let count = try mpiCount(values.count, "MPI_Send")
    let code = values.withUnsafeBytes {
      MPI_Send($0.baseAddress, count, T.mpiType.handle, Int32(destination), Int32(tag), handle)
    }
    try check(code, "MPI_Send")
  }

  /// Receives one message of any length from `source` (nil: any rank) with `tag`
  /// (nil: any tag). Wraps `MPI_Probe`, `MPI_Get_count` and `MPI_Recv`.
  public func receive<T: MPIScalar>(
    _ type: T.Type = T.self, from source: Int? = nil, tag: Int? = nil
  ) throws(MPIError) -> (values: [T], status: MessageStatus) {
    let sourceArgument = source.map(Int32.init) ?? floe_mpi_any_source()
    let tagArgument = tag.map(Int32.init) ?? floe_mpi_any_tag()
    var status = MPI_Status()
    try check(MPI_Probe(sourceArgument, tagArgument, handle, &status), "MPI_Probe")
    var count: Int32 = 0
    try check(MPI_Get_count(&status, T.mpiType.handle, &count), "MPI_Get_count")
    var result = [T](unsafeUninitializedCapacity: Int(count)) { $1 = Int(count) }
    // Receive exactly the probed message: its source and tag, not the wildcards.
    let code = result.withUnsafeMutableBytes {
      MPI_Recv(
        $0.baseAddress, count, T.mpiType.handle, status.MPI_SOURCE, status.MPI_TAG, handle,
        floe_mpi_status_ignore())
    }
    try check(code, "MPI_Recv")
    return (
      result,
      MessageStatus(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), count: Int(count))
    )
  }
}
