internal import CMPI

/// Collective operations. Every rank of the communicator must make the same call in the
/// same order; each method says what each rank passes and what it gets back.
extension Communicator {
  /// Waits until every rank has arrived. Wraps `MPI_Barrier`.
  public func barrier() throws(MPIError) {
    try check(MPI_Barrier(handle), "MPI_Barrier")
  }

  /// Every rank passes a buffer of the same count; afterwards all hold `root`'s values.
  /// Wraps `MPI_Bcast`.
  public func broadcast<T: MPIScalar>(_ values: inout [T], root: Int) throws(MPIError) {
    let count = try mpiCount(values.count, "MPI_Bcast")
    let code = values.withUnsafeMutableBytes {
      MPI_Bcast($0.baseAddress, count, T.mpiType.handle, Int32(root), handle)
    }
    try check(code, "MPI_Bcast")
  }

  /// Returns `root`'s `value` on every rank. Wraps `MPI_Bcast`.
  public func broadcast<T: MPIScalar>(_ value: T, root: Int) throws(MPIError) -> T {
    var values = [value]
    try broadcast(&values, root: root)
    return values[0]
  }

  /// Sends `root`'s array, of any length, to every rank; other ranks' `values` are ignored.
  public func broadcastArray<T: MPIScalar>(_ values: [T], root: Int) throws(MPIError) -> [T] {
    let count = try broadcast(values.count, root: root)
    var result = rank == root ? values : [T](unsafeUninitializedCapacity: count) { $1 = count }
    try broadcast(&result, root: root)
    return result
  }

  /// Each rank passes the same number of values; `root` gets them all in rank order,
  /// the other ranks get `[]`. Wraps `MPI_Gather`.
  public func gather<T: MPIScalar>(_ values: [T], root: Int) throws(MPIError) -> [T] {
    let count = try mpiCount(values.count, "MPI_Gather")
    let total = rank == root ? values.count * size : 0
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Gather(
          send.baseAddress, count, T.mpiType.handle, receive.baseAddress, count,
          T.mpiType.handle, Int32(root), handle)
      }
    }
    try check(code, "MPI_Gather")
    return result
  }

  /// Each rank passes any number of values; `root` gets them concatenated in rank order
  /// with each rank's count, the other ranks get empty arrays. Wraps `MPI_Gatherv`.
  public func gatherv<T: MPIScalar>(_ values: [T], root: Int) throws(MPIError) -> (
    values: [T], counts: [Int]
  ) {
    let counts = try gather(
      [Int32](arrayLiteral: mpiCount(values.count, "MPI_Gatherv")), root: root)
    let displacements = try offsets(of: counts, "MPI_Gatherv")
    let total = counts.reduce(0) { $0 + Int($1) }
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Gatherv(
          send.baseAddress, Int32(values.count), T.mpiType.handle, receive.baseAddress, counts,
          displacements, T.mpiType.handle, Int32(root), handle)
      }
    }
    try check(code, "MPI_Gatherv")
    return (result, counts.map(Int.init))
  }

  /// `root` passes `size * count` values; rank r gets values `r*count ..< (r+1)*count`.
  /// Other ranks' `values` are ignored. Wraps `MPI_Scatter`.
  public func scatter<T: MPIScalar>(_ values: [T], count: Int, root: Int) throws(MPIError) -> [T] {
    let n = try mpiCount(count, "MPI_Scatter")
    if rank == root && values.count != count * size {
      throw MPIError.usage(
        "MPI_Scatter", "root passed \(values.count) values for \(size) x \(count)")
    }
    var result = [T](unsafeUninitializedCapacity: count) { $1 = count }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Scatter(
          send.baseAddress, n, T.mpiType.handle, receive.baseAddress, n, T.mpiType.handle,
          Int32(root), handle)
      }
    }
    try check(code, "MPI_Scatter")
    return result
  }

  /// `root` passes all values and `counts[r]` for each rank; rank r gets its slice.
  /// Other ranks' arguments are ignored. Wraps `MPI_Scatter` (of the counts) and `MPI_Scatterv`.
  public func scatterv<T: MPIScalar>(_ values: [T], counts: [Int], root: Int) throws(MPIError)
    -> [T]
  {
    var counts32: [Int32] = []
    if rank == root {
      guard counts.count == size, counts.reduce(0, +) == values.count else {
        throw MPIError.usage(
          "MPI_Scatterv",
          "root passed \(counts.count) counts summing to \(counts.reduce(0, +)) "
            + "for \(size) ranks and \(values.count) values")
      }
      for c in counts { counts32.append(try mpiCount(c, "MPI_Scatterv")) }
    }
    let mine = Int(try scatter(counts32, count: 1, root: root)[0])
    let displacements = try offsets(of: counts32, "MPI_Scatterv")
    var result = [T](unsafeUninitializedCapacity: mine) { $1 = mine }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Scatterv(
          send.baseAddress, counts32, displacements, T.mpiType.handle, receive.baseAddress,
          Int32(mine), T.mpiType.handle, Int32(root), handle)
      }
    }
    try check(code, "MPI_Scatterv")
    return result
  }

  /// Each rank passes the same number of values; every rank gets all of them in rank
  /// order. Wraps `MPI_Allgather`.
  public func allgather<T: MPIScalar>(_ values: [T]) throws(MPIError) -> [T] {
    let count = try mpiCount(values.count, "MPI_Allgather")
    let total = values.count * size
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Allgather(
          send.baseAddress, count, T.mpiType.handle, receive.baseAddress, count, T.mpiType.handle,
          handle)
      }
    }
    try check(code, "MPI_Allgather")
    return result
  }

  /// Each rank passes any number of values; every rank gets them all concatenated in
  /// rank order, with each rank's count. Wraps `MPI_Allgatherv`.
  public func allgatherv<T: MPIScalar>(_ values: [T]) throws(MPIError) -> (
    values: [T], counts: [Int]
  ) {
    let counts = try allgather([mpiCount(values.count, "MPI_Allgatherv")])
    let displacements = try offsets(of: counts, "MPI_Allgatherv")
    let total = counts.reduce(0) { $0 + Int($1) }
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Allgatherv(
          send.baseAddress, Int32(values.count), T.mpiType.handle, receive.baseAddress, counts,
          displacements, T.mpiType.handle, handle)
      }
    }
    try check(code, "MPI_Allgatherv")
    return (result, counts.map(Int.init))
  }

  /// Each rank passes the same number of values; `root` gets their element-wise
  /// combination, the other ranks get `[]`. Wraps `MPI_Reduce`.
  ///
  /// MPI may combine in any order: for floating-point sums that must not depend on the
  /// rank count, Floe merges per-unit partials itself instead.
  public func reduce<T: MPIScalar>(_ values: [T], _ operation: ReductionOperation, root: Int)
    throws(MPIError) -> [T]
  {
    let count = try mpiCount(values.count, "MPI_Reduce")
    let total = rank == root ? values.count : 0
    var result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Reduce(
          send.baseAddress, receive.baseAddress, count, T.mpiType.handle, operation.handle,
          Int32(root), handle)
      }
    }
    try check(code, "MPI_Reduce")
    return result
  }

  /// Each rank passes the same number of values; every rank gets their element-wise
  /// combination. Wraps `MPI_Allreduce`.
  public func allreduce<T: MPIScalar>(_ values: [T], _ operation: ReductionOperation)
    throws(MPIError) -> [T]
  {
    var result = values
    try allreduce(inPlace: &result, operation)
    return result
  }

  /// `allreduce` without a second buffer, for large arrays. Wraps `MPI_Allreduce` with
  /// `MPI_IN_PLACE`.
  public func allreduce<T: MPIScalar>(inPlace values: inout [T], _ operation: ReductionOperation)
    throws(MPIError)
  {
    let count = try mpiCount(values.count, "MPI_Allreduce")
    let code = values.withUnsafeMutableBytes {
      MPI_Allreduce(
        floe_mpi_in_place(), $0.baseAddress, count, T.mpiType.handle, operation.handle, handle)
    }
    try check(code, "MPI_Allreduce")
  }

  /// Each rank passes `countPerRank` values for every rank (rank r's block first for
  /// r = 0); each rank gets the blocks addressed to it, in sender order. Wraps `MPI_Alltoall`.
  public func alltoall<T: MPIScalar>(_ values: [T], countPerRank: Int) throws(MPIError) -> [T] {
    let count = try mpiCount(countPerRank, "MPI_Alltoall")
    guard values.count == countPerRank * size else {
      throw MPIError.usage(
        "MPI_Alltoall", "passed \(values.count) values for \(size) x \(countPerRank)")
    }
    var result = [T](unsafeUninitializedCapacity: values.count) { $1 = values.count }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Alltoall(
          send.baseAddress, count, T.mpiType.handle, receive.baseAddress, count, T.mpiType.handle,
          handle)
      }
    }
    try check(code, "MPI_Alltoall")
    return result
  }

  /// Each rank passes its values for all ranks, concatenated, and `sendCounts[r]` for each
  /// rank r; each rank gets what was addressed to it, in sender order, with the count
  /// from each sender. Wraps `MPI_Alltoall` (of the counts) and `MPI_Alltoallv`.
  public func alltoallv<T: MPIScalar>(_ values: [T], sendCounts: [Int]) throws(MPIError) -> (
    values: [T], counts: [Int]
  ) {
    var result: [T] = []
    let counts = try alltoallv(values, sendCounts: sendCounts, into: &result)
    return (result, counts)
  }

  /// The same into `result`, whose storage is reused when it is large enough (a caller that
  /// exchanges hundreds of MB again and again saves the page faults of fresh memory).
  /// Returns the count from each sender.
  public func alltoallv<T: MPIScalar>(_ values: [T], sendCounts: [Int], into result: inout [T])
    throws(MPIError) -> [Int]
  {
    guard sendCounts.count == size, sendCounts.reduce(0, +) == values.count else {
      throw MPIError.usage(
        "MPI_Alltoallv",
        "passed \(sendCounts.count) counts summing to "
          + "\(sendCounts.reduce(0, +)) for \(size) ranks and \(values.count) values")
    }
    var send32: [Int32] = []
    for c in sendCounts { send32.append(try mpiCount(c, "MPI_Alltoallv")) }
    let receive32 = try alltoall(send32, countPerRank: 1)
    let sendOffsets = try offsets(of: send32, "MPI_Alltoallv")
    let receiveOffsets = try offsets(of: receive32, "MPI_Alltoallv")
    let total = receive32.reduce(0) { $0 + Int($1) }
    if result.count > total {
      result.removeLast(result.count - total)
    } else if result.count < total {
      result = [T](unsafeUninitializedCapacity: total) { $1 = total }
    }
    let code = values.withUnsafeBytes { send in
      result.withUnsafeMutableBytes { receive in
        MPI_Alltoallv(
          send.baseAddress, send32, sendOffsets, T.mpiType.handle, receive.baseAddress, receive32,
          receiveOffsets, T.mpiType.handle, handle)
      }
    }
    try check(code, "MPI_Alltoallv")
    return receive32.map(Int.init)
  }

  /// Exclusive prefix sums of `counts`, checked to fit MPI's `int` displacements.
  private func offsets(of counts: [Int32], _ call: String) throws(MPIError) -> [Int32] {
    var result: [Int32] = []
    result.reserveCapacity(counts.count)
    var running = 0
    for c in counts {
      result.append(try mpiCount(running, call))
      running += Int(c)
    }
    return result
  }
}
