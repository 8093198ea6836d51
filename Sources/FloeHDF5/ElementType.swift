internal import CHDF5

/// The numeric element types Floe reads and writes (netCDF-4's numeric types).
public enum ElementType: String, Sendable, CaseIterable, Equatable {
  case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .int8, .uint8: 1
    case .int16, .uint16: 2
    case .int32, .uint32, .float32: 4
    case .int64, .uint64, .float64: 8
    }
  }

  /// The name `ncdump` prints ("float", "short", ...).
  public var netCDFName: String {
    switch self {
    case .int8: "byte"
    case .uint8: "ubyte"
    case .int16: "short"
    case .uint16: "ushort"
    case .int32: "int"
    case .uint32: "uint"
    case .int64: "int64"
    case .uint64: "uint64"
    case .float32: "float"
    case .float64: "double"
    }
  }

  public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

  /// HDF5's native type of this kind (little-endian on every machine Floe runs on).
  var nativeType: hid_t {
    switch self {
    case .int8: floe_h5t_native_int8()
    case .uint8: floe_h5t_native_uint8()
    case .int16: floe_h5t_native_int16()
    case .uint16: floe_h5t_native_uint16()
    case .int32: floe_h5t_native_int32()
    case .uint32: floe_h5t_native_uint32()
    case .int64: floe_h5t_native_int64()
    case .uint64: floe_h5t_native_uint64()
    case .float32: floe_h5t_native_float()
    case .float64: floe_h5t_native_double()
    }
  }
}

/// What an HDF5 dataset or attribute holds.
public enum DataType: Sendable, Equatable, CustomStringConvertible {
  case numeric(ElementType)
  /// Text: netCDF `char` (fixed length) or `string` (variable length).
  case text(variableLength: Bool, size: Int)
  /// Anything else (compound, enum, reference, ...), named by HDF5 class.
  case unsupported(String)

  /// Classifies an HDF5 datatype. Wraps `H5Tget_class`, `H5Tget_size`, `H5Tget_sign`.
  init(typeID: hid_t) {
    let size = H5Tget_size(typeID)
    switch H5Tget_class(typeID) {
    case H5T_INTEGER:
      let signed = H5Tget_sign(typeID) != H5T_SGN_NONE
      switch (size, signed) {
      case (1, true): self = .numeric(.int8)
      case (1, false): self = .numeric(.uint8)
      case (2, true): self = .numeric(.int16)
      case (2, false): self = .numeric(.uint16)
      case (4, true): self = .numeric(.int32)
      case (4, false): self = .numeric(.uint32)
      case (8, true): self = .numeric(.int64)
      case (8, false): self = .numeric(.uint64)
      default: self = .unsupported("\(size * 8)-bit integer")
      }
    case H5T_FLOAT:
      switch size {
      case 4: self = .numeric(.float32)
      case 8: self = .numeric(.float64)
      default: self = .unsupported("\(size * 8)-bit float")
      }
    case H5T_STRING:
      self = .text(variableLength: H5Tis_variable_str(typeID) > 0, size: size)
    case H5T_COMPOUND: self = .unsupported("compound")
    case H5T_ENUM: self = .unsupported("enum")
    case H5T_REFERENCE: self = .unsupported("reference")
    case H5T_VLEN: self = .unsupported("variable-length sequence")
    case H5T_ARRAY: self = .unsupported("array")
    case H5T_OPAQUE: self = .unsupported("opaque")
    case H5T_BITFIELD: self = .unsupported("bitfield")
    default: self = .unsupported("unknown")
    }
  }

  public var description: String {
    switch self {
    case .numeric(let t): t.netCDFName
    case .text(true, _): "string"
    case .text(false, _): "char"
    case .unsupported(let what): "unsupported (\(what))"
    }
  }
}

/// A Swift number that HDF5 reads and writes as itself.
public protocol HDF5Scalar: BitwiseCopyable {
  static var elementType: ElementType { get }
}

extension Int8: HDF5Scalar { public static var elementType: ElementType { .int8 } }
extension UInt8: HDF5Scalar { public static var elementType: ElementType { .uint8 } }
extension Int16: HDF5Scalar { public static var elementType: ElementType { .int16 } }
extension UInt16: HDF5Scalar { public static var elementType: ElementType { .uint16 } }
extension Int32: HDF5Scalar { public static var elementType: ElementType { .int32 } }
extension UInt32: HDF5Scalar { public static var elementType: ElementType { .uint32 } }
extension Int64: HDF5Scalar { public static var elementType: ElementType { .int64 } }
extension UInt64: HDF5Scalar { public static var elementType: ElementType { .uint64 } }
extension Float: HDF5Scalar { public static var elementType: ElementType { .float32 } }
extension Double: HDF5Scalar { public static var elementType: ElementType { .float64 } }
