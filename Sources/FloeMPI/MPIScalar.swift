internal import CMPI

/// An MPI element type, fixed at compile time by the Swift type that uses it.
public struct Datatype: @unchecked Sendable {
  let handle: MPI_Datatype
}

/// A Swift number that MPI can send as itself (MPL's `datatype_traits`).
public protocol MPIScalar: BitwiseCopyable {
  /// The matching MPI type.
  static var mpiType: Datatype { get }
}

extension Int8: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_int8()) }
}
extension UInt8: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_uint8()) }
}
extension Int16: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_int16()) }
}
extension UInt16: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_uint16()) }
}
extension Int32: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_int32()) }
}
extension UInt32: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_uint32()) }
}
extension Int64: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_int64()) }
}
extension UInt64: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_uint64()) }
}
extension Int: MPIScalar {
  // Swift's Int is 64 bits on every platform Floe runs on.
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_int64()) }
}
extension Float: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_float()) }
}
extension Double: MPIScalar {
  public static var mpiType: Datatype { Datatype(handle: floe_mpi_double()) }
}

/// A predefined reduction operation.
public struct ReductionOperation: @unchecked Sendable {
  let handle: MPI_Op
  /// Element-wise sum (`MPI_SUM`).
  public static var sum: ReductionOperation { ReductionOperation(handle: floe_mpi_sum()) }
  /// Element-wise minimum (`MPI_MIN`).
  public static var min: ReductionOperation { ReductionOperation(handle: floe_mpi_min()) }
  /// Element-wise maximum (`MPI_MAX`).
  public static var max: ReductionOperation { ReductionOperation(handle: floe_mpi_max()) }
  /// Element-wise product (`MPI_PROD`).
  public static var product: ReductionOperation { ReductionOperation(handle: floe_mpi_prod()) }
}
