import FloeHDF5
public import FloeMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What every rank must agree on before any work: the same Floe, the same executable
/// bytes (a stale copy on one node is caught, even one built from the same commit with
/// local changes), the same element sizes, MPI and HDF5.
public struct BuildFingerprint: Equatable, Sendable {
  public var fields: [(name: String, value: String)]

  public static func == (a: BuildFingerprint, b: BuildFingerprint) -> Bool {
    a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.value) == b.fields.map(\.value)
  }

  /// This process's fingerprint.
  public static func current(version: String, rank: Int) -> BuildFingerprint {
    var version = version
    #if DEBUG
      // Tests fake a mismatch on one rank; release builds never read this.
      if let fake = getenv("FLOE_DEBUG_FAKE_FINGERPRINT_RANK"), Int(String(cString: fake)) == rank {
        version += "-fake"
      }
    #endif
    return BuildFingerprint(fields: [
      ("Floe version", version),
      ("executable", executableHash()),
      (
        "element sizes",
        "Float \(MemoryLayout<Float>.size), Double \(MemoryLayout<Double>.size), Int \(MemoryLayout<Int>.size)"
      ),
      ("MPI", MPI.libraryVersion),
      ("HDF5", HDF5Library.version),
    ])
  }

  var wire: [UInt8] {
    var bytes = Array(
      fields.map { "\($0.name)=\($0.value)" }.joined(separator: "\n").utf8.prefix(Self.wireSize))
    bytes += [UInt8](repeating: 0, count: Self.wireSize - bytes.count)
    return bytes
  }

  init(fields: [(name: String, value: String)]) { self.fields = fields }

  init(wire: ArraySlice<UInt8>) {
    let text = String(decoding: wire.prefix { $0 != 0 }, as: UTF8.self)
    fields = text.split(separator: "\n").map { line in
      let parts = line.split(separator: "=", maxSplits: 1)
      return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
  }

  static let wireSize = 1024

  /// Collective: every rank learns every rank's fingerprint; on any difference, rank 0
  /// prints which ranks differ in what, and every rank throws `JobFailure`.
  public static func agree(_ world: Communicator, version: String) throws {
    let mine = current(version: version, rank: world.rank)
    let all = try world.allgather(mine.wire)
    let prints = (0..<world.size).map {
      BuildFingerprint(wire: all[($0 * wireSize)..<(($0 + 1) * wireSize)])
    }
    let reference = prints[0]
    var differences: [String] = []
    for (rank, print) in prints.enumerated().dropFirst() where print != reference {
      for (a, b) in zip(reference.fields, print.fields) where a.value != b.value {
        differences.append("rank \(rank) has \(a.name) '\(b.value)' where rank 0 has '\(a.value)'")
      }
    }
    guard differences.isEmpty else {
      let message =
        "the ranks do not run the same build: " + differences.joined(separator: "; ")
        + ". Run the same floe executable, MPI and HDF5 on every node."
      if world.rank == 0 { Agreement.printError(message) }
      throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
    }
  }

  /// A 64-bit hash of this executable's bytes (/proc/self/exe), in hex.
  static func executableHash() -> String {
    let fd = open("/proc/self/exe", O_RDONLY)
    guard fd >= 0 else { return "unknown" }
    defer { close(fd) }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    let size = 1 << 20
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    defer { buffer.deallocate() }
    while true {
      let n = read(fd, buffer, size)
      if n <= 0 { break }
      let words = n / 8
      let p = buffer.assumingMemoryBound(to: UInt64.self)
      for i in 0..<words {
        hash = (hash ^ p[i]) &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
      }
      for i in (words * 8)..<n {
        hash = (hash ^ UInt64(buffer.load(fromByteOffset: i, as: UInt8.self))) &* 0x100_0000_01b3
      }
    }
    return String(hash, radix: 16)
  }
}
