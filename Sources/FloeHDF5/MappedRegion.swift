#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file opened for mapping its bytes into memory: read-only, by path, beside HDF5's own
/// handle (which reads through MPI-IO). Closed when it goes.
public final class MappableFile {
  private let descriptor: Int32
  /// The file's size when opened: no region past it is mapped (touching a page beyond the
  /// end of a file raises SIGBUS instead of an error).
  public let size: Int

  /// Opens `path` for reading; nil if it cannot be opened or measured.
  public init?(path: String) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      close(descriptor)
      return nil
    }
    self.descriptor = descriptor
    size = Int(status.st_size)
  }

  deinit { close(descriptor) }

  /// The `bytes` bytes at `offset` mapped read-only and their pages filled in at once from
  /// the page cache (reading from the disk what is not there), or nil if the range is not
  /// inside the file or the mapping fails (read it the ordinary way then).
  public func map(offset: Int, bytes: Int) -> MappedRegion? {
    guard offset >= 0, bytes > 0, offset + bytes <= size else { return nil }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = offset / page * page
    let length = bytes + (offset - start)
    #if os(Linux)
      let flags = MAP_SHARED | MAP_POPULATE
    #else
      let flags = MAP_SHARED
    #endif
    guard let base = mmap(nil, length, PROT_READ, flags, descriptor, off_t(start)),
      base != MAP_FAILED
    else { return nil }
    return MappedRegion(base: base, length: length, skip: offset - start, bytes: bytes)
  }
}

/// Bytes of a file mapped into memory; unmapped when it goes.
public final class MappedRegion {
  private let base: UnsafeMutableRawPointer
  private let length: Int
  /// The bytes asked for: valid while this region lives.
  public let bytes: UnsafeRawBufferPointer

  init(base: UnsafeMutableRawPointer, length: Int, skip: Int, bytes: Int) {
    self.base = base
    self.length = length
    self.bytes = UnsafeRawBufferPointer(start: base + skip, count: bytes)
  }

  deinit { munmap(base, length) }
}
