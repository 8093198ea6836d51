package import CMPI

/// A group of ranks that talk to each other. A plain value: it does not own the
/// communicator (see `OwnedCommunicator` for ones that Floe creates and must free).
public struct Communicator: @unchecked Sendable {
  /// The C handle, for the other Floe modules (FloeHDF5 hands it to the MPI-IO driver).
  package let handle: MPI_Comm

  package init(handle: MPI_Comm) { self.handle = handle }

  /// Every rank of the job (`MPI_COMM_WORLD`).
  public static var world: Communicator { Communicator(handle: floe_mpi_comm_world()) }
  /// Only this rank (`MPI_COMM_SELF`).
  public static var selfOnly: Communicator { Communicator(handle: floe_mpi_comm_self()) }

  /// This rank's number, 0 ..< size. Wraps `MPI_Comm_rank`.
  public var rank: Int {
    var rank: Int32 = 0
    let code = MPI_Comm_rank(handle, &rank)
    precondition(code == MPI_SUCCESS, "MPI_Comm_rank on a communicator that is not valid")
    return Int(rank)
  }

  /// How many ranks there are. Wraps `MPI_Comm_size`.
  public var size: Int {
    var size: Int32 = 0
    let code = MPI_Comm_size(handle, &size)
    precondition(code == MPI_SUCCESS, "MPI_Comm_size on a communicator that is not valid")
    return Int(size)
  }

  /// Splits into sub-communicators of the ranks that pass the same `color`, ordered by
  /// `key` then by rank. Collective: every rank calls it. Wraps `MPI_Comm_split`.
  public func split(color: Int, key: Int) throws(MPIError) -> OwnedCommunicator {
    var new: MPI_Comm? = nil
    try check(MPI_Comm_split(handle, Int32(color), Int32(key), &new), "MPI_Comm_split")
    return try OwnedCommunicator(adopting: new, "MPI_Comm_split")
  }

  /// A copy with its own message space, so a library's traffic cannot mix with the
  /// caller's. Collective. Wraps `MPI_Comm_dup`.
  public func duplicate() throws(MPIError) -> OwnedCommunicator {
    var new: MPI_Comm? = nil
    try check(MPI_Comm_dup(handle, &new), "MPI_Comm_dup")
    return try OwnedCommunicator(adopting: new, "MPI_Comm_dup")
  }
}

/// A communicator that Floe created (by split or duplicate) and frees when done.
public struct OwnedCommunicator: ~Copyable, @unchecked Sendable {
  /// The communicator, to pass to collectives.
  public let communicator: Communicator

  /// Takes ownership of a new handle and makes its errors return, as the world's do.
  init(adopting handle: MPI_Comm?, _ call: String) throws(MPIError) {
    guard let handle else { throw MPIError.usage(call, "MPI returned no communicator") }
    try check(MPI_Comm_set_errhandler(handle, floe_mpi_errors_return()), "MPI_Comm_set_errhandler")
    self.communicator = Communicator(handle: handle)
  }

  deinit {
    // After MPI_Finalize nothing may be freed; MPI has released it already.
    if MPI.isInitialized && !MPI.isFinalized {
      var handle: MPI_Comm? = communicator.handle
      _ = MPI_Comm_free(&handle)
    }
  }
}
