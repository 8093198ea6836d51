import Foundation

/// The memory this process's host has for it: the host's total memory, or less where the
/// process runs in a control group with a limit (a Slurm or PBS job's memory limit).
/// 0 where neither can be read.
public enum HostMemory {
  public static let bytes: Int = {
    if let forced = ProcessInfo.processInfo.environment["FLOE_DEBUG_HOST_MEMORY"],
      let size = MemorySize(forced)
    {
      return size.bytes  // for the tests of the per-host check
    }
    let limits = [total, cgroupLimit].compactMap { $0 }.filter { $0 > 0 }
    return limits.min() ?? 0
  }()

  /// MemTotal in /proc/meminfo.
  static var total: Int? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
      return nil
    }
    for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
    }
    return nil
  }

  /// The limit of this process's control group (v2 `memory.max`, v1 `memory.limit_in_bytes`).
  static var cgroupLimit: Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else {
      return nil
    }
    var candidates: [String] = []
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      if parts[0] == "0" && parts[1].isEmpty {
        candidates.append("/sys/fs/cgroup\(parts[2])/memory.max")
      } else if parts[1].split(separator: ",").contains("memory") {
        candidates.append("/sys/fs/cgroup/memory\(parts[2])/memory.limit_in_bytes")
      }
    }
    for path in candidates {
      guard let value = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
      let trimmed = value.split(separator: "\n").first.map(String.init) ?? ""
      if let limit = Int(trimmed) { return limit }  // "max": no limit
    }
    return nil
  }
}
