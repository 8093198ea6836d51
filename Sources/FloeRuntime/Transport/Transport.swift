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
  /// The same for a message of doubles.
  func receive(from rank: Int, tag: Int, into buffer: inout [Double]) throws -> Int
  /// Sends each array to one rank as a message of its own, straight from its memory (no
  /// copy into bytes first), all in flight at once.
  func send(each arrays: [[Double]], to rank: Int, tag: Int) throws
  /// Receives the next messages from one rank with `tag`, one per entry of `counts`, each
  /// holding that many doubles, into fresh arrays.
  func receive(counts: [Int], from rank: Int, tag: Int) throws -> [[Double]]
}
