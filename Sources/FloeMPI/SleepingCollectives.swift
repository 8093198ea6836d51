internal import CMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Collectives and messages whose wait can sleep: rank 0 schedules with these so that it
/// leaves its core to a worker (Open MPI busy-polls in blocking calls). Each starts the
/// non-blocking MPI call, keeps the buffers alive and waits as asked.
extension Communicator {
  /// `scatter` that waits as asked. Wraps `MPI_Iscatter`.
  public func scatter<T: MPIScalar>(_ values: [T], count: Int, root: Int, _ waiting: Waiting)
    throws(MPIError) -> [T]
  {
    let n = try mpiCount(count, "MPI_Iscatter")
    if rank == root && values.count != count * size {
      throw MPIError.usage(
        "MPI_Iscatter", "root passed \(values.count) values for \(size) x \(count)")
    }
    var result = [T](unsafeUninitializedCapacity: count) { $1 = count }
    let failure: MPIError? = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        var request: MPI_Request? = nil
        let code = MPI_Iscatter(
          send.baseAddress, n, T.mpiType.handle, receive.baseAddress, n, T.mpiType.handle,
          Int32(root), handle, &request)
        return Self.finish(code, request, "MPI_Iscatter", waiting)
      }
    }
    if let failure { throw failure }
    return result
  }

  /// `gather` that waits as asked. Wraps `MPI_Igather`.
  public func gather<T: MPIScalar>(_ values: [T], root: Int, _ waiting: Waiting) throws(MPIError)
    -> [T]
  {
    let n = try mpiCount(values.count, "MPI_Igather")
    let total = rank == root ? values.count * size : 0
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let failure: MPIError? = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        var request: MPI_Request? = nil
        let code = MPI_Igather(
          send.baseAddress, n, T.mpiType.handle, receive.baseAddress, n, T.mpiType.handle,
          Int32(root), handle, &request)
        return Self.finish(code, request, "MPI_Igather", waiting)
      }
    }
    if let failure { throw failure }
    return result
  }

  /// Waits for a started operation while its buffers are still pinned by the caller's closure.
  private static func finish(
    _ code: Int32, _ request: MPI_Request?, _ call: String, _ waiting: Waiting
  )
    -> MPIError?
  {
    guard code == MPI_SUCCESS else { return MPIError.from(code: code, call: call) }
    do { try Request(handle: request, call: call).wait(waiting) } catch { return error }
    return nil
  }

  /// `send` that waits as asked. Wraps `MPI_Isend`.
  public func send<T: MPIScalar>(_ values: [T], to destination: Int, tag: Int, _ waiting: Waiting)
    throws(MPIError)
  {
    try values.withUnsafeBufferPointer { (buffer) throws(MPIError) in
      try isend(buffer, to: destination, tag: tag).wait(waiting)
    }
  }

  /// `receive` of one message of any length that waits as asked. Wraps `MPI_Iprobe`,
  /// `MPI_Get_count` and `MPI_Recv`.
  public func receive<T: MPIScalar>(
    _ type: T.Type = T.self, from source: Int, tag: Int, _ waiting: Waiting
  ) throws(MPIError) -> [T] {
    // An empty buffer grows to exactly the message: returned as it is, no second copy.
    var result: [T] = []
    _ = try receive(from: source, tag: tag, into: &result, waiting)
    return result
  }

  /// The same into the first elements of `buffer`, which grows if the message is longer and
  /// never shrinks: a buffer kept from message to message costs no fresh pages (the kernel's
  /// faults and clearing of a new 40 MB array cost more than copying the message into it).
  /// Returns the number of elements received.
  public func receive<T: MPIScalar>(
    from source: Int, tag: Int, into buffer: inout [T], _ waiting: Waiting
  ) throws(MPIError) -> Int {
    var status = MPI_Status()
    var flag: Int32 = 0
    var pause = 1
    while true {
      try check(MPI_Iprobe(Int32(source), Int32(tag), handle, &flag, &status), "MPI_Iprobe")
      if flag != 0 { break }
      if case .sleeping(let maxMicroseconds) = waiting {
        usleep(UInt32(pause))
        pause = Swift.min(pause * 2, Swift.max(maxMicroseconds, 1))
      }
    }
    var count: Int32 = 0
    try check(MPI_Get_count(&status, T.mpiType.handle, &count), "MPI_Get_count")
    if buffer.count < Int(count) {
      buffer = [T](unsafeUninitializedCapacity: Int(count)) { $1 = Int(count) }
    }
    let code = buffer.withUnsafeMutableBytes {
      MPI_Recv(
        $0.baseAddress, count, T.mpiType.handle, Int32(source), Int32(tag), handle,
        floe_mpi_status_ignore())
    }
    try check(code, "MPI_Recv")
    return Int(count)
  }
}
