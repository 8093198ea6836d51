internal import CHDF5

/// The value of an HDF5 / netCDF attribute.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
  /// One string: netCDF `char` text, or a single `string`.
  case text(String)
  /// Several strings (netCDF `string` arrays).
  case texts([String])
  /// Numbers of one element type.
  case numbers(NumericArray)
  /// A type Floe does not interpret (compound, reference, ...), named.
  case unsupported(String)

  /// The single string, if this is text.
  public var string: String? {
    switch self {
    case .text(let s): s
    case .texts(let v) where v.count == 1: v[0]
    default: nil
    }
  }

  /// The numbers as Double, if numeric.
  public var doubles: [Double]? {
    if case .numbers(let n) = self { return n.doubles }
    return nil
  }

  public var description: String {
    switch self {
    case .text(let s): "\"\(s)\""
    case .texts(let v): v.map { "\"\($0)\"" }.joined(separator: ", ")
    case .numbers(let n): n.text
    case .unsupported(let what): "<\(what)>"
    }
  }
}

/// A named attribute.
public struct Attribute: Sendable, Equatable {
  public var name: String
  public var value: AttributeValue
  public init(_ name: String, _ value: AttributeValue) {
    self.name = name
    self.value = value
  }
}

/// Attributes that HDF5 dimension scales and the netCDF-C library keep for themselves;
/// `ncdump` does not show them and Floe does not carry them over.
public let reservedAttributeNames: Set<String> = [
  "CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid", "_Netcdf4Coordinates",
  "_NCProperties", "_nc3_strict", "_IsNetcdf4", "_SuperblockVersion",
]

/// Attribute reading and writing on any HDF5 object (file root group or dataset).
enum AttributeIO {
  /// The object's attribute names, in creation order where the file tracks it.
  /// Wraps `H5Aiterate2`.
  static func names(of object: hid_t) -> [String] {
    final class Names { var items: [String] = [] }
    let names = Names()
    let visitor: H5A_operator2_t = { _, name, _, context in
      guard let name, let context else { return 0 }
      Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().items.append(String(cString: name))
      return 0
    }
    let context = Unmanaged.passUnretained(names).toOpaque()
    var index: hsize_t = 0
    if H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, visitor, context) < 0 {
      // Creation order is not tracked in this file: fall back to name order.
      _ = HDF5Library.takeErrorStack()
      names.items = []
      index = 0
      _ = H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, visitor, context)
    }
    return names.items
  }

  /// All attributes the user sees (not the reserved ones), in order.
  static func readAll(of object: hid_t, file: String, object name: String?) throws -> [Attribute] {
    try names(of: object).filter { !reservedAttributeNames.contains($0) }.map {
      Attribute($0, try read($0, of: object, file: file, object: name))
    }
  }

  /// One attribute's value, or nil if there is none of that name.
  static func readIfPresent(
    _ attribute: String, of object: hid_t, file: String, object name: String?
  )
    throws -> AttributeValue?
  {
    guard H5Aexists(object, attribute) > 0 else { return nil }
    return try read(attribute, of: object, file: file, object: name)
  }

  /// Reads one attribute. Wraps `H5Aopen`, `H5Aread` and, for variable-length strings,
  /// `H5Dvlen_reclaim`.
  static func read(_ attribute: String, of object: hid_t, file: String, object name: String?) throws
    -> AttributeValue
  {
    let what = name.map { "\($0):\(attribute)" } ?? ":\(attribute)"
    let attr = try Handle(
      H5Aopen(object, attribute, defaultList), .readFailed, "cannot open attribute \(what)",
      file: file)
    let type = try Handle(
      H5Aget_type(attr.id), .readFailed, "cannot read attribute \(what)", file: file)
    let space = try Handle(
      H5Aget_space(attr.id), .readFailed, "cannot read attribute \(what)", file: file)
    let count = Int(H5Sget_simple_extent_npoints(space.id))
    switch DataType(typeID: type.id) {
    case .numeric(let element):
      return .numbers(
        try NumericArray.fromBytes(element, count: count) { buffer in
          _ = try check(
            H5Aread(attr.id, element.nativeType, buffer), .readFailed,
            "cannot read attribute \(what)", file: file)
        })
    case .text(variableLength: false, let size):
      var bytes = [UInt8](repeating: 0, count: max(size * count, 1))
      _ = try check(
        H5Aread(attr.id, type.id, &bytes), .readFailed, "cannot read attribute \(what)", file: file)
      let strings = (0..<count).map { i in
        decodeText(bytes[(i * size)..<((i + 1) * size)])
      }
      return strings.count == 1 ? .text(strings[0]) : .texts(strings)
    case .text(variableLength: true, _):
      let memory = try Handle(H5Tcopy(floe_h5t_c_s1()), .library, "H5Tcopy", file: file)
      _ = H5Tset_size(memory.id, floe_h5t_variable())
      _ = H5Tset_cset(memory.id, H5Tget_cset(type.id))
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      _ = try check(
        H5Aread(attr.id, memory.id, &pointers), .readFailed, "cannot read attribute \(what)",
        file: file)
      let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
      _ = H5Dvlen_reclaim(memory.id, space.id, defaultList, &pointers)
      return strings.count == 1 ? .text(strings[0]) : .texts(strings)
    case .unsupported(let kind):
      return .unsupported(kind)
    }
  }

  /// Writes (or replaces) one attribute: numbers as a 1-D array of their own type, text
  /// as a fixed-length string (netCDF `char`), several strings as variable-length strings.
  /// Collective in parallel files: every rank writes the same value.
  static func write(_ attribute: String, _ value: AttributeValue, to object: hid_t, file: String)
    throws
  {
    if H5Aexists(object, attribute) > 0 {
      _ = try check(
        H5Adelete(object, attribute), .writeFailed, "cannot replace attribute \(attribute)",
        file: file)
    }
    func create(_ type: hid_t, _ space: hid_t) throws -> Handle {
      try Handle(
        H5Acreate2(object, attribute, type, space, defaultList, defaultList), .writeFailed,
        "cannot create attribute \(attribute)", file: file)
    }
    switch value {
    case .numbers(let numbers):
      var dims = [hsize_t(numbers.count)]
      let space = try Handle(
        H5Screate_simple(1, &dims, nil), .library, "H5Screate_simple", file: file)
      let attr = try create(numbers.elementType.nativeType, space.id)
      _ = try numbers.withRawBytes { bytes, _ in
        try check(
          H5Awrite(attr.id, numbers.elementType.nativeType, bytes), .writeFailed,
          "cannot write attribute \(attribute)", file: file)
      }
    case .text(let string):
      let bytes = Array(string.utf8)
      let type = try Handle(H5Tcopy(floe_h5t_c_s1()), .library, "H5Tcopy", file: file)
      _ = H5Tset_size(type.id, max(bytes.count, 1))
      _ = H5Tset_strpad(type.id, H5T_STR_NULLTERM)
      if bytes.contains(where: { $0 >= 0x80 }) { _ = H5Tset_cset(type.id, H5T_CSET_UTF8) }
      let space = try Handle(H5Screate(H5S_SCALAR), .library, "H5Screate", file: file)
      let attr = try create(type.id, space.id)
      var padded = bytes.isEmpty ? [0] : bytes
      _ = try check(
        H5Awrite(attr.id, type.id, &padded), .writeFailed, "cannot write attribute \(attribute)",
        file: file)
    case .texts(let strings):
      let type = try Handle(H5Tcopy(floe_h5t_c_s1()), .library, "H5Tcopy", file: file)
      _ = H5Tset_size(type.id, floe_h5t_variable())
      _ = H5Tset_cset(type.id, H5T_CSET_UTF8)
      var dims = [hsize_t(strings.count)]
      let space = try Handle(
        H5Screate_simple(1, &dims, nil), .library, "H5Screate_simple", file: file)
      let attr = try create(type.id, space.id)
      var cStrings = strings.map { strdup($0) }
      defer { cStrings.forEach { free($0) } }
      _ = try check(
        H5Awrite(attr.id, type.id, &cStrings), .writeFailed, "cannot write attribute \(attribute)",
        file: file)
    case .unsupported(let kind):
      throw HDF5Error(
        .unsupportedType, "cannot write an attribute of type \(kind)", file: file, object: attribute
      )
    }
  }

  /// Fixed-length text without its trailing NULs and padding.
  private static func decodeText(_ bytes: ArraySlice<UInt8>) -> String {
    var end = bytes.endIndex
    if let nul = bytes.firstIndex(of: 0) { end = nul }
    return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
