/// The messages the scheduler and the workers exchange: over MPI in a real job, over
/// in-process mailboxes in unit tests (ranks as threads).
public protocol Transport {
  /// This rank, 0 ..< size.
  var rank: Int { get }
  var size: Int { get }
  /// This rank's host, for error messages.
  var host: String { get }
  /// Collective: rank 0 passes one order per rank (its own included; others pass []);
  /// every rank gets its own.
  func scatter(_ orders: [Order]) throws -> Order
  /// Collective: every rank passes its report; rank 0 gets all in rank order, others [].
  func gather(_ report: WorkerReport) throws -> [WorkerReport]
  /// Collective: every rank passes a text; rank 0 gets all in rank order, others [].
  func gatherText(_ text: String) throws -> [String]
  /// Sends bytes to one rank.
  func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws
  /// Receives the next bytes from one rank with `tag` into the first bytes of `buffer`,
  /// which grows if it is too short (a buffer kept across messages then costs no fresh
  /// pages); returns how many arrived.
  func receive(from rank: Int, tag: Int, into buffer: inout [UInt8]) throws -> Int
  /// Sends doubles to one rank straight from their array (no copy into bytes first).
  func send(_ values: [Double], to rank: Int, tag: Int) throws
  /// Receives the next message from one rank with `tag`, which holds `count` doubles, into
  /// a fresh array.
  func receive(_ count: Int, from rank: Int, tag: Int) throws -> [Double]
}
