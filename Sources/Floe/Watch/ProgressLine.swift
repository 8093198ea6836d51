import FloeRuntime

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Rank 0's progress on standard error: units done of the total, the read rate, the time
/// elapsed and the time left. At a terminal it redraws one line in place after every
/// superstep; in a batch log it prints a plain line every `every` seconds.
struct ProgressLine {
  /// Standard error is a terminal. Under mpirun (and srun) it is a pipe even when a person
  /// watches, and a rank's standard output is a pty whether or not one does (Open MPI
  /// gives it one): there the progress comes as plain lines, `--progress-every` apart.
  static var atTerminal: Bool { isatty(2) != 0 }

  let redraws: Bool
  let every: Double
  let noun: String
  private var lastPrinted = -Double.infinity
  private var bytes = 0
  private var drawn = false

  init(redraws: Bool = Self.atTerminal, every: Double, noun: String) {
    self.redraws = redraws
    self.every = every
    self.noun = noun
  }

  mutating func update(_ record: SuperstepRecord) {
    bytes += record.bytesRead
    guard record.kind == .work, record.unitsDone < record.unitsTotal else { return }
    if redraws {
      writeStandardError("\r" + Self.text(record, bytes: bytes, noun: noun) + "\u{1B}[K")
      drawn = true
    } else if record.ended - lastPrinted >= every {
      writeStandardError(Self.text(record, bytes: bytes, noun: noun) + "\n")
      lastPrinted = record.ended
    }
  }

  /// Ends the redrawn line so that what follows starts on its own.
  mutating func finish() {
    if drawn { writeStandardError("\r\u{1B}[K") }
    drawn = false
  }

  /// "floe: 45 of 100 units (45 %), 1.2 GB/s, 0:12 elapsed, about 0:15 left"
  static func text(_ record: SuperstepRecord, bytes: Int, noun: String) -> String {
    let done = record.unitsDone
    let total = max(record.unitsTotal, 1)
    let elapsed = record.ended
    let thisRun = done - record.unitsAtStart
    let rate = elapsed > 0 ? Double(bytes) / elapsed / 1e9 : 0
    let left = thisRun > 0 ? elapsed * Double(record.unitsTotal - done) / Double(thisRun) : 0
    return "floe: \(done) of \(record.unitsTotal) \(noun) (\(done * 100 / total) %), "
      + "\(Format.decimal(rate, 2)) GB/s, \(clock(elapsed)) elapsed, about \(clock(left)) left"
  }

  /// "1:02:03", "2:03", "0:07".
  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
  }
}
