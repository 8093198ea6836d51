internal import CMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Several arrays between two ranks, one message each, all in flight at once. Sent one after
/// the other with a sleeping wait, each large message cost up to two of the wait's pauses
/// (the receiver noticing it, the sender noticing its end): with every message posted
/// first, the receiver takes them back to back. No copy: each message leaves from, and
/// lands in, its array's own memory.
extension Communicator {
  /// Sends each array of `arrays` to `destination` as a message of its own, in order, and
  /// waits as asked until all have gone. Wraps `MPI_Isend` and `MPI_Testall`.
  public func send<T: MPIScalar>(
    each arrays: [[T]], to destination: Int, tag: Int, _ waiting: Waiting
  ) throws(MPIError) {
    var requests: [MPI_Request?] = []
    requests.reserveCapacity(arrays.count)
    // Each array's memory is pinned by its own closure, nested, until every send is done.
    func post(_ i: Int) throws(MPIError) {
      guard i < arrays.count else { return try waitAll(&requests, waiting, "MPI_Isend") }
      try arrays[i].withUnsafeBufferPointer { (buffer) throws(MPIError) in
        requests.append(try isend(buffer, to: destination, tag: tag).handle)
        try post(i + 1)
      }
    }
    try post(0)
  }

  /// Receives one message per entry of `counts` from `source`, in order, each of exactly
  /// that many elements, into fresh arrays; waits as asked. Wraps `MPI_Irecv` and
  /// `MPI_Testall`.
  public func receive<T: MPIScalar>(
    _ type: T.Type = T.self, counts: [Int], from source: Int, tag: Int, _ waiting: Waiting
  ) throws(MPIError) -> [[T]] {
    var requests: [MPI_Request?] = []
    requests.reserveCapacity(counts.count)
    var received: [[T]] = []
    received.reserveCapacity(counts.count)
    // Array i is built in a closure that stays open until every message has arrived; the
    // innermost closure posts the last receive and waits. They return last to first.
    func post(_ i: Int) throws(MPIError) {
      guard i < counts.count else {
        var statuses = [MPI_Status](repeating: MPI_Status(), count: counts.count)
        try waitAll(&requests, waiting, "MPI_Irecv", statuses: &statuses)
        for (k, var status) in statuses.enumerated() {
          var got: Int32 = 0
          try check(MPI_Get_count(&status, T.mpiType.handle, &got), "MPI_Get_count")
          guard Int(got) == counts[k] else {
            throw MPIError.usage(
              "MPI_Irecv",
              "message \(k + 1) of \(counts.count) from rank \(source) held \(got) elements, "
                + "\(counts[k]) expected")
          }
        }
        return
      }
      var failure: MPIError?
      let array = [T](unsafeUninitializedCapacity: counts[i]) { buffer, initialized in
        do throws(MPIError) {
          requests.append(try ireceive(into: buffer, from: source, tag: tag).handle)
          try post(i + 1)
          initialized = counts[i]
        } catch {
          failure = error
          initialized = 0
        }
      }
      if let failure { throw failure }
      received.append(array)
    }
    try post(0)
    return received.reversed()
  }

  /// Waits for every request, filling `statuses` if given (one per request); a message
  /// longer than its receive is an error.
  private func waitAll(
    _ requests: inout [MPI_Request?], _ waiting: Waiting, _ call: String,
    statuses: UnsafeMutablePointer<MPI_Status>? = nil
  ) throws(MPIError) {
    guard !requests.isEmpty else { return }
    let n = Int32(requests.count)
    let statuses = statuses ?? floe_mpi_statuses_ignore()
    switch waiting {
    case .spinning:
      try check(MPI_Waitall(n, &requests, statuses), "MPI_Waitall (\(call))")
    case .sleeping(let maxMicroseconds):
      var pause = 1
      while true {
        var flag: Int32 = 0
        try check(MPI_Testall(n, &requests, &flag, statuses), "MPI_Testall (\(call))")
        if flag != 0 { return }
        usleep(UInt32(pause))
        pause = Swift.min(pause * 2, Swift.max(maxMicroseconds, 1))
      }
    }
  }
}
