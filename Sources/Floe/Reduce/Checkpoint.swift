import FloeHDF5
import FloeRuntime
import Foundation

/// `--checkpoint DIR` and `--resume`.
public struct CheckpointRequest: Sendable {
  public var directory: String
  /// Save after this many supersteps or this many seconds, whichever comes first.
  public var everySupersteps: Int
  public var everySeconds: Double
  /// Start from the checkpoint in `directory` if there is one.
  public var resume: Bool

  public init(directory: String, everySupersteps: Int, everySeconds: Double, resume: Bool) {
    self.directory = directory
    self.everySupersteps = everySupersteps
    self.everySeconds = everySeconds
    self.resume = resume
  }

  /// The checkpoint's file; the previous one stays valid until a new one is complete.
  public var path: String { file("floe-checkpoint.h5") }

  /// A file of the checkpoint directory (`floe anomaly` keeps its second pass in its own).
  func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}

/// What a checkpoint must match to be resumed: the same inputs, unchanged, the same
/// request and the same plan of units, by the same Floe. Each field is one line a user can
/// compare.
struct JobFingerprint: Codable, Equatable, Sendable {
  var fields: [String: String]

  init(request: ReduceRequest, setup: ReductionSetup) throws {
    var fields: [String: String] = [:]
    fields["Floe version"] = FloeVersion.number
    let files = setup.files.isEmpty ? [request.input] : setup.files
    for (i, path) in files.enumerated() {
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
      let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      fields["input \(i + 1)"] = "\(path), \(size) bytes, modified \(Self.date(modified))"
    }
    fields["variables"] = request.variables.joined(separator: ",")
    fields["operation"] = request.cellMethod
    fields["dimensions reduced"] = zip(setup.dimensionNames, setup.reduced).filter(\.1).map(\.0)
      .joined(separator: ",")
    fields["grouping"] = request.grouping.map { "\($0)" } ?? "none"
    fields["selection"] = "\(setup.origin) + \(setup.shape)"
    fields["output type"] = request.writeFloat64 || !setup.writesFloat32 ? "float64" : "float32"
    let plan = setup.plan
    fields["units"] =
      "\(plan.unitCount) of \(plan.unitExtent.map(String.init).joined(separator: " x ")) in \(plan.tileCount) tile(s)"
    self.fields = fields
  }

  static func date(_ seconds: Double) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
  }

  /// Refuses a saved checkpoint at `path` that is not this job's, naming every field that
  /// differs.
  func check(saved: JobFingerprint, at path: String) throws {
    let differences = differences(from: saved)
    guard differences.isEmpty else {
      throw ReduceError(
        "--resume: the checkpoint \(path) is from another job ("
          + differences.joined(separator: "; ") + "); remove it to start again")
    }
  }

  /// What differs, one phrase per field ("the operation is std there and mean here").
  func differences(from saved: JobFingerprint) -> [String] {
    Set(fields.keys).union(saved.fields.keys).sorted().compactMap { key in
      let here = fields[key] ?? "nothing"
      let there = saved.fields[key] ?? "nothing"
      return here == there ? nil : "\(key): '\(there)' there, '\(here)' now"
    }
  }
}

/// A checkpoint on disk, HDF5: the keeper's merged nodes as bytes (dataset `nodes`), with
/// attributes `units_done`, `checksum` (FNV-1a of the nodes) and `fingerprint` (JSON).
enum CheckpointFile {
  /// Writes the checkpoint under a temporary name, forces it to the disk, and renames it
  /// over the previous one: a crash at any moment leaves one valid checkpoint.
  static func write(
    _ state: [UInt8], unitsDone: Int, fingerprint: JobFingerprint, to path: String
  ) throws {
    let temporary = path + ".floe-partial"
    do {
      let file = try File.create(temporary, overwrite: true)
      _ = try file.createDimension("byte", length: max(state.count, 1))
      let nodes = try file.createVariable("nodes", type: .uint8, dimensions: ["byte"])
      try nodes.writeAll(state.isEmpty ? [0] : state)
      try file.setAttribute("units_done", .numbers(.int64([Int64(unitsDone)])))
      try file.setAttribute("bytes", .numbers(.int64([Int64(state.count)])))
      try file.setAttribute("checksum", .text(String(checksum(state), radix: 16)))
      let json = String(decoding: try JSONEncoder().encode(fingerprint), as: UTF8.self)
      try file.setAttribute("fingerprint", .text(json))
      try file.flush()
    }
    try sync(temporary)
    guard rename(temporary, path) == 0 else {
      throw ReduceError(
        "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
    }
    try sync((path as NSString).deletingLastPathComponent)
  }

  /// The saved progress: units done and fingerprint now, the nodes when asked (on the
  /// keeper only). nil if there is no checkpoint.
  static func read(_ path: String) throws -> (
    unitsDone: Int, fingerprint: JobFingerprint, state: @Sendable () throws -> [UInt8]
  )? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let file = try File.open(path)
    guard let done = try file.attribute("units_done")?.doubles?.first,
      let bytes = try file.attribute("bytes")?.doubles?.first,
      let sum = try file.attribute("checksum")?.string,
      let json = try file.attribute("fingerprint")?.string,
      let fingerprint = try? JSONDecoder().decode(JobFingerprint.self, from: Data(json.utf8))
    else {
      throw ReduceError("\(path) is not a Floe checkpoint, or is damaged (attributes missing)")
    }
    return (
      Int(done), fingerprint,
      {
        let stored: [UInt8] = try File.open(path).dataset("nodes").readAll()
        let state = Array(stored.prefix(Int(bytes)))
        guard state.count == Int(bytes), String(checksum(state), radix: 16) == sum else {
          throw ReduceError("\(path) is damaged: its nodes do not match their checksum")
        }
        return state
      }
    )
  }

  /// The values of type T stored in `bytes[range]` (whole values only): a checkpoint's
  /// state is raw bytes, and the percentile and anomaly states hold numbers in them.
  static func values<T: BitwiseCopyable>(_ type: T.Type, of bytes: [UInt8], in range: Range<Int>)
    -> [T]
  {
    let count = range.count / MemoryLayout<T>.size
    let end = range.lowerBound + count * MemoryLayout<T>.size
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      bytes.withUnsafeBytes {
        UnsafeMutableRawBufferPointer(buffer).copyMemory(
          from: UnsafeRawBufferPointer(rebasing: $0[range.lowerBound..<end]))
      }
      initialized = count
    }
  }

  /// FNV-1a, 64 bits: enough to tell a damaged checkpoint from a good one.
  static func checksum(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
      hash ^= UInt64(b)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// fsync of a file or a directory.
  static func sync(_ path: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0, fsync(fd) == 0 || errno == EINVAL else {
      if fd >= 0 { close(fd) }
      throw ReduceError("cannot sync \(path) to the disk: \(String(cString: strerror(errno)))")
    }
    close(fd)
  }
}
