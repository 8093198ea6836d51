internal import CHDF5

/// A failure reading or writing an HDF5 / netCDF-4 file, with what was being done to
/// which file and object, and HDF5's own error stack turned into text.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
  /// What kind of failure, for callers that react differently to each.
  public enum Code: String, Sendable {
    case fileNotFound = "file not found"
    case notAFile = "not a regular file"
    case permissionDenied = "permission denied"
    case notHDF5 = "not an HDF5 or netCDF-4 file"
    case cannotOpen = "cannot open"
    case objectNotFound = "no such variable or object"
    case unsupportedType = "unsupported element type"
    case invalidSelection = "invalid selection"
    case readFailed = "read failed"
    case writeFailed = "write failed"
    case createFailed = "create failed"
    case library = "HDF5 call failed"
  }

  public var code: Code
  /// The file concerned.
  public var file: String?
  /// The variable, dimension or attribute concerned.
  public var object: String?
  /// One sentence saying what went wrong.
  public var message: String
  /// HDF5's error stack, innermost last (empty when Floe found the problem itself).
  public var stack: [String]

  public init(
    _ code: Code, _ message: String, file: String? = nil, object: String? = nil,
    stack: [String] = []
  ) {
    self.code = code
    self.message = message
    self.file = file
    self.object = object
    self.stack = stack
  }

  public var description: String {
    var where_ = ""
    if let file { where_ += file }
    if let object { where_ += where_.isEmpty ? "variable '\(object)'" : ", '\(object)'" }
    var text = where_.isEmpty ? message : "\(where_): \(message)"
    // The innermost HDF5 message says most; the rest is HDF5's own call chain.
    if let detail = stack.last, !message.contains(detail) { text += " (HDF5: \(detail))" }
    return text
  }
}

/// HDF5 calls report failure with a negative return; this turns one into a thrown
/// `HDF5Error` that carries HDF5's error stack.
@inline(__always)
func check<T: BinaryInteger>(
  _ result: T, _ code: HDF5Error.Code, _ message: @autoclosure () -> String,
  file: String? = nil, object: String? = nil
) throws -> T {
  if result < 0 {
    throw HDF5Error(
      code, message(), file: file, object: object, stack: HDF5Library.takeErrorStack())
  }
  return result
}

/// The HDF5 library of this process.
public enum HDF5Library {
  /// Turns off HDF5's own printing of errors: Floe reports them once, as Swift errors.
  /// Safe to call more than once. Wraps `H5open` and `H5Eset_auto2`.
  public static func setUp() {
    _ = H5open()
    _ = H5Eset_auto2(floe_h5e_default(), nil, nil)
  }

  /// "1.10.8". Wraps `H5get_libversion`.
  public static var version: String {
    var major: UInt32 = 0
    var minor: UInt32 = 0
    var release: UInt32 = 0
    _ = H5get_libversion(&major, &minor, &release)
    return "\(major).\(minor).\(release)"
  }

  /// Reads and clears the current error stack. Wraps `H5Ewalk2` and `H5Eclear2`.
  static func takeErrorStack() -> [String] {
    final class Lines { var items: [String] = [] }
    let lines = Lines()
    let walker: H5E_walk2_t = { _, entry, context in
      guard let entry, let context else { return 0 }
      let lines = Unmanaged<Lines>.fromOpaque(context).takeUnretainedValue()
      let text = entry.pointee.desc.map { String(cString: $0) } ?? ""
      let function = entry.pointee.func_name.map { String(cString: $0) } ?? ""
      lines.items.append(text.isEmpty ? function : "\(function): \(text)")
      return 0
    }
    _ = H5Ewalk2(
      floe_h5e_default(), H5E_WALK_UPWARD, walker, Unmanaged.passUnretained(lines).toOpaque())
    _ = H5Eclear2(floe_h5e_default())
    // Upward walk: innermost first. Floe's messages want the innermost last.
    return lines.items.reversed()
  }
}
