import FloeRuntime
public import Logging
import Synchronization

/// Floe's log handler: each message as one line on standard error, at the level
/// `--log-level` sets for the whole process (one process may run several commands:
/// `floe run`). Messages carry their own "floe: " prefix, as the plan and summary always
/// have; a rank other than 0 that logs says which it is.
public struct FloeLogHandler: LogHandler {
  private static let level = Mutex<Logger.Level>(.info)
  /// This process's rank, for the prefix of other ranks' lines.
  nonisolated(unsafe) public static var rank = 0

  public var metadata: Logger.Metadata = [:]
  public var metadataProvider: Logger.MetadataProvider?

  public init() {}

  /// The level of every Floe logger in the process.
  public var logLevel: Logger.Level {
    get { Self.level.withLock { $0 } }
    set { Self.level.withLock { $0 = newValue } }
  }

  public static func setLevel(_ level: Logger.Level) { Self.level.withLock { $0 = level } }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    let text = "\(event.message)"
    writeStandardError(Self.rank == 0 ? text + "\n" : "floe: rank \(Self.rank): " + text + "\n")
  }
}

/// The process's logger (`LoggingSystem.bootstrap(FloeLogHandler.init)` in `floe`'s main).
public let floeLog = Logger(label: "floe")
