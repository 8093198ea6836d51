internal import CMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a rank waits for a non-blocking operation.
public enum Waiting: Sendable {
  /// Poll without pause (lowest latency, burns a core: what blocking MPI calls do).
  case spinning
  /// Poll, then sleep between polls, doubling the pause up to `maxMicroseconds`.
  /// Rank 0 waits this way so that it leaves its core to a worker.
  case sleeping(maxMicroseconds: Int)

  /// The default sleeping wait: pauses grow to 1 ms.
  public static var sleeping: Waiting { .sleeping(maxMicroseconds: 1000) }
}

/// A non-blocking operation in flight. The caller keeps its buffers alive and unmoved
/// until `wait` returns. Waiting twice is a programming error.
public struct Request: ~Copyable {
  var handle: MPI_Request?
  let call: String

  init(handle: MPI_Request?, call: String) {
    self.handle = handle
    self.call = call
  }

  /// Whether the operation has finished (and, if so, completes it). Wraps `MPI_Test`.
  public mutating func test() throws(MPIError) -> Bool {
    var flag: Int32 = 0
    try check(MPI_Test(&handle, &flag, floe_mpi_status_ignore()), "MPI_Test (\(call))")
    return flag != 0
  }

  /// Waits until the operation finishes. Wraps `MPI_Wait` (spinning) or `MPI_Test`
  /// and `nanosleep` (sleeping).
  public consuming func wait(_ waiting: Waiting = .sleeping) throws(MPIError) {
    switch waiting {
    case .spinning:
      try check(MPI_Wait(&handle, floe_mpi_status_ignore()), "MPI_Wait (\(call))")
    case .sleeping(let maxMicroseconds):
      var pause = 1
      while try !test() {
        usleep(UInt32(pause))
        pause = Swift.min(pause * 2, Swift.max(maxMicroseconds, 1))
      }
    }
  }
}

extension Communicator {
  /// Starts a barrier. Wraps `MPI_Ibarrier`.
  public func ibarrier() throws(MPIError) -> Request {
    var request: MPI_Request? = nil
    try check(MPI_Ibarrier(handle, &request), "MPI_Ibarrier")
    return Request(handle: request, call: "MPI_Ibarrier")
  }

  /// Starts a broadcast of `buffer` from `root`. Wraps `MPI_Ibcast`.
  public func ibroadcast<T: MPIScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int)
    throws(MPIError) -> Request
  {
    var request: MPI_Request? = nil
    let count = try mpiCount(buffer.count, "MPI_Ibcast")
    try check(
      MPI_Ibcast(
        UnsafeMutableRawPointer(buffer.baseAddress), count, T.mpiType.handle, Int32(root),
        handle, &request), "MPI_Ibcast")
    return Request(handle: request, call: "MPI_Ibcast")
  }

  /// Starts sending `buffer` to `destination`. Wraps `MPI_Isend`.
  public func isend<T: MPIScalar>(
    _ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int = 0
  )
    throws(MPIError) -> Request
  {
    var request: MPI_Request? = nil
    let count = try mpiCount(buffer.count, "MPI_Isend")
    try check(
      MPI_Isend(
        UnsafeRawPointer(buffer.baseAddress), count, T.mpiType.handle, Int32(destination),
        Int32(tag), handle, &request), "MPI_Isend")
    return Request(handle: request, call: "MPI_Isend")
  }

  /// Starts receiving up to `buffer.count` elements from `source`. Wraps `MPI_Irecv`.
  public func ireceive<T: MPIScalar>(
    into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int = 0
  ) throws(MPIError) -> Request {
    var request: MPI_Request? = nil
    let count = try mpiCount(buffer.count, "MPI_Irecv")
    try check(
      MPI_Irecv(
        UnsafeMutableRawPointer(buffer.baseAddress), count, T.mpiType.handle, Int32(source),
        Int32(tag), handle, &request), "MPI_Irecv")
    return Request(handle: request, call: "MPI_Irecv")
  }

  /// A barrier that sleeps while it waits. Collective.
  public func barrier(_ waiting: Waiting) throws(MPIError) {
    try ibarrier().wait(waiting)
  }

  /// `broadcast` that sleeps while it waits: for ranks that idle until rank 0 decides.
  /// Collective; every rank passes the same count.
  public func broadcast<T: MPIScalar>(_ values: inout [T], root: Int, _ waiting: Waiting)
    throws(MPIError)
  {
    try values.withUnsafeMutableBufferPointer { (buffer) throws(MPIError) in
      try ibroadcast(buffer, root: root).wait(waiting)
    }
  }
}
