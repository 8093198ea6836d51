#if canImport(Glibc)
  // glibc's `int mallopt(int, int)`, from <malloc.h>, which the Glibc module leaves out; the
  // parameter numbers are <malloc.h>'s M_TRIM_THRESHOLD (-1) and M_MMAP_THRESHOLD (-3).
  @_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
  private let trimThreshold: Int32 = -1
  private let mmapThreshold: Int32 = -3
#endif

/// How this process's allocator treats the large arrays a reduction makes and frees every
/// unit (each unit's partial, a few MB; each merge frees one).
public enum Allocator {
  /// Tells glibc to serve allocations up to 32 MiB from its heap and to keep freed memory
  /// there instead of returning it to the kernel. By default each such array is a fresh
  /// `mmap` (or the heap's top is trimmed on every free), so the kernel faults in and clears
  /// every page again: 14 % of a standard deviation's worker cycles in `perf`, and its
  /// compute time 0.90-1.01 s -> 0.73-0.79 s per worker on 6 GB (docs/performance.md).
  /// Peak RSS is still set by what the plan holds at once; a batch job's memory is its own
  /// until it exits. A no-op off glibc.
  public static func keepFreedMemory() {
    #if canImport(Glibc)
      _ = mallopt(mmapThreshold, 32 << 20)
      _ = mallopt(trimThreshold, Int32.max)
    #endif
  }
}
