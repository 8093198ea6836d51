/// Numbers that keep their element type: attribute values and fill values, carried over
/// to output unchanged (an int64 fill value does not survive a trip through Double).
public enum NumericArray: Sendable, Equatable {
  case int8([Int8]), uint8([UInt8]), int16([Int16]), uint16([UInt16])
  case int32([Int32]), uint32([UInt32]), int64([Int64]), uint64([UInt64])
  case float32([Float]), float64([Double])

  public var elementType: ElementType {
    switch self {
    case .int8: .int8
    case .uint8: .uint8
    case .int16: .int16
    case .uint16: .uint16
    case .int32: .int32
    case .uint32: .uint32
    case .int64: .int64
    case .uint64: .uint64
    case .float32: .float32
    case .float64: .float64
    }
  }

  public var count: Int { (try? withRawBytes { $1 }) ?? 0 }

  /// The values as Double, for arithmetic (masks compare in the data's own type).
  public var doubles: [Double] {
    switch self {
    case .int8(let v): v.map(Double.init)
    case .uint8(let v): v.map(Double.init)
    case .int16(let v): v.map(Double.init)
    case .uint16(let v): v.map(Double.init)
    case .int32(let v): v.map(Double.init)
    case .uint32(let v): v.map(Double.init)
    case .int64(let v): v.map(Double.init)
    case .uint64(let v): v.map(Double.init)
    case .float32(let v): v.map(Double.init)
    case .float64(let v): v
    }
  }

  /// The values as `ncdump` prints them, comma-separated.
  public var text: String {
    switch self {
    case .int8(let v): v.map { "\($0)b" }.joined(separator: ", ")
    case .uint8(let v): v.map { "\($0)UB" }.joined(separator: ", ")
    case .int16(let v): v.map { "\($0)s" }.joined(separator: ", ")
    case .uint16(let v): v.map { "\($0)US" }.joined(separator: ", ")
    case .int32(let v): v.map { "\($0)" }.joined(separator: ", ")
    case .uint32(let v): v.map { "\($0)U" }.joined(separator: ", ")
    case .int64(let v): v.map { "\($0)L" }.joined(separator: ", ")
    case .uint64(let v): v.map { "\($0)UL" }.joined(separator: ", ")
    case .float32(let v): v.map { "\($0)f" }.joined(separator: ", ")
    case .float64(let v): v.map { "\($0)" }.joined(separator: ", ")
    }
  }

  /// Makes an array of `type` from raw little-endian bytes of `count` elements.
  static func fromBytes(
    _ type: ElementType, count: Int, _ fill: (UnsafeMutableRawPointer) throws -> Void
  )
    throws -> NumericArray
  {
    func make<T: HDF5Scalar>(_: T.Type) throws -> [T] {
      try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { try fill(UnsafeMutableRawPointer(buffer.baseAddress!)) }
        initialized = count
      }
    }
    switch type {
    case .int8: return .int8(try make(Int8.self))
    case .uint8: return .uint8(try make(UInt8.self))
    case .int16: return .int16(try make(Int16.self))
    case .uint16: return .uint16(try make(UInt16.self))
    case .int32: return .int32(try make(Int32.self))
    case .uint32: return .uint32(try make(UInt32.self))
    case .int64: return .int64(try make(Int64.self))
    case .uint64: return .uint64(try make(UInt64.self))
    case .float32: return .float32(try make(Float.self))
    case .float64: return .float64(try make(Double.self))
    }
  }

  /// Calls `body` with the raw bytes and the element count.
  func withRawBytes<R>(_ body: (UnsafeRawPointer?, Int) throws -> R) throws -> R {
    func pass<T>(_ v: [T]) throws -> R {
      try v.withUnsafeBytes { try body($0.baseAddress, v.count) }
    }
    switch self {
    case .int8(let v): return try pass(v)
    case .uint8(let v): return try pass(v)
    case .int16(let v): return try pass(v)
    case .uint16(let v): return try pass(v)
    case .int32(let v): return try pass(v)
    case .uint32(let v): return try pass(v)
    case .int64(let v): return try pass(v)
    case .uint64(let v): return try pass(v)
    case .float32(let v): return try pass(v)
    case .float64(let v): return try pass(v)
    }
  }
}
