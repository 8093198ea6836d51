import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// This process's resource use, from `getrusage`, and a monotonic clock.
public enum ProcessStats {
  /// Peak resident set size in bytes.
  public static var peakRSSBytes: Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #if os(Linux)
      return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #else
      return Int(usage.ru_maxrss)
    #endif
  }

  /// User plus system CPU seconds.
  public static var cpuSeconds: Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }

  /// Seconds on a monotonic clock.
  public static func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
  }

  /// Seconds since this process started (exec), to 10 ms: the kernel's start time of the
  /// process against the time since boot. nil where /proc is not there.
  public static var secondsSinceStart: Double? {
    #if os(Linux)
      guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      // Fields after the command name; the start time is field 22 of the whole line.
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
      var t = timespec()
      clock_gettime(CLOCK_BOOTTIME, &t)
      let sinceBoot = Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
      return sinceBoot - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    #else
      return nil
    #endif
  }
}
