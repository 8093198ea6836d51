public import FloeMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The end of a job on every rank: the message has been printed once, by rank 0, and
/// every rank exits with `exitCode`.
public struct JobFailure: Error, CustomStringConvertible {
  /// What went wrong, with the rank where it happened.
  public var message: String
  /// The process exit code every rank uses.
  public var exitCode: Int32

  public var description: String { message }

  public init(message: String, exitCode: Int32) {
    self.message = message
    self.exitCode = exitCode
  }

  /// Exit codes Floe documents (docs/errors): 1 for bad input or a failed job.
  public static let failedExitCode: Int32 = 1
}

/// Running a piece of work so that a failure on any rank ends it on all ranks, with one
/// message and no hang.
public enum Agreement {
  /// Runs `body` on every rank, then agrees on the outcome: if any rank threw, rank 0
  /// prints the lowest failing rank's error and every rank throws `JobFailure`.
  /// `body` must not start collectives that a failed rank would skip.
  public static func everyRank<R>(_ world: Communicator, _ body: () throws -> R) throws -> R {
    var result: R?
    var message = ""
    do { result = try body() } catch { message = String(describing: error) }
    try settle(world, failed: result == nil, message: message)
    return result!
  }

  /// Runs `body` on rank 0 only while the other ranks wait without spinning; then all
  /// agree as in `everyRank`. Returns `body`'s result on rank 0, nil elsewhere.
  public static func rankZero<R>(_ world: Communicator, _ body: () throws -> R) throws -> R? {
    var result: R?
    var message = ""
    if world.rank == 0 {
      do { result = try body() } catch { message = String(describing: error) }
    }
    var failed: [Int32] = [world.rank == 0 && result == nil ? 1 : 0]
    try world.broadcast(&failed, root: 0, .sleeping)
    if failed[0] != 0 {
      if world.rank == 0 { printError(message) }
      throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
    }
    return result
  }

  /// Agrees whether any rank failed; if so rank 0 prints the first failing rank's message.
  private static func settle(_ world: Communicator, failed: Bool, message: String) throws {
    let firstFailed = try world.allreduce([failed ? world.rank : Int.max], .min)[0]
    guard firstFailed != Int.max else { return }
    let bytes = try world.broadcastArray(Array(message.utf8), root: firstFailed)
    let text = String(decoding: bytes, as: UTF8.self)
    let where_ = world.size > 1 ? "rank \(firstFailed) of \(world.size): " : ""
    if world.rank == 0 { printError(where_ + text) }
    throw JobFailure(message: where_ + text, exitCode: JobFailure.failedExitCode)
  }

  /// Prints `floe: error: MESSAGE` to standard error.
  public static func printError(_ message: String) {
    writeStandardError("floe: error: \(message)\n")
  }
}

/// Writes text to file descriptor 2 in one call (C's `stderr` is shared mutable state,
/// which Swift 6 rejects; one write also keeps ranks' lines from interleaving mid-line).
public func writeStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
    if n <= 0 { return }
    offset += n
  }
}
