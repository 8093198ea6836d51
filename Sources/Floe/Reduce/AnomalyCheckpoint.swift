import FloeMPI
import FloeRuntime
import Foundation

/// `floe anomaly --checkpoint DIR`. The first pass (the climatology) checkpoints as any
/// reduction does, in DIR/floe-checkpoint.h5. The second pass writes the output as it goes,
/// so its progress is the half-written output itself (the temporary file next to the
/// output) plus DIR/floe-anomaly.h5: the climatology, the units done, the keeper's nodes and
/// which file the output is (inode and device). Before each save every worker flushes the
/// output, collectively, so every unit before the position is on disk; units after it are
/// written again on resume. If the half-written output is gone or replaced, the anomalies
/// start over from the saved climatology.
struct AnomalyCheckpoint: Sendable {
  let path: String
  let fingerprint: JobFingerprint
  /// The temporary output the second pass writes into.
  let partial: String

  init(_ options: CheckpointRequest, request: ReduceRequest, setup: ReductionSetup) throws {
    path = options.file("floe-anomaly.h5")
    var fingerprint = try JobFingerprint(request: request, setup: setup)
    fingerprint.fields["pass"] = "2 of 2 (anomalies)"
    self.fingerprint = fingerprint
    partial = request.output + ".floe-partial"
  }

  /// Where the second pass starts: the climatology, and the units already in the output.
  struct Start {
    var climatology: [Double]
    var unitsDone: Int
  }

  /// Rank 0 reads a saved second pass (with `--resume`) and checks it; every rank learns
  /// where to start, or nil to run the first pass.
  func start(resume: Bool, units: Int, world: Communicator, log: (String) -> Void) throws
    -> Start?
  {
    let found = try Agreement.rankZero(world) { () throws -> Start? in
      guard resume, let saved = try CheckpointFile.read(path) else { return nil }
      try fingerprint.check(saved: saved.fingerprint, at: path)
      let state = try Self.unpack(try saved.state(), path: path)
      var unitsDone = saved.unitsDone
      if unitsDone > 0 && Self.identity(of: partial) != state.identity {
        log(
          "floe: the half-written output \(partial) of the saved run is gone or replaced: "
            + "the anomalies start over from the saved climatology")
        unitsDone = 0
      }
      log(
        "floe: resuming from \(path): climatology done, \(unitsDone) of \(units) units of anomalies done"
      )
      return Start(climatology: state.climatology, unitsDone: unitsDone)
    }
    var header = [found == nil || found! == nil ? 0 : 1, found??.unitsDone ?? 0]
    try world.broadcast(&header, root: 0)
    guard header[0] == 1 else { return nil }
    let climatology = try world.broadcastArray(found??.climatology ?? [], root: 0)
    return Start(climatology: climatology, unitsDone: header[1])
  }

  /// Rank 0, once the first pass is done: the second pass's first checkpoint (no unit yet),
  /// then the first pass's checkpoint goes. A crash between the two leaves one valid.
  func saveClimatology(_ climatology: [Double], firstPass: String, world: Communicator) throws {
    _ = try Agreement.rankZero(world) {
      try CheckpointFile.write(
        Self.pack(climatology: climatology, identity: [0, 0], kept: []), unitsDone: 0,
        fingerprint: fingerprint, to: path)
      unlink(firstPass)
    }
  }

  /// The second pass's `Checkpointing`: flush the output on every worker, then the keeper
  /// saves the climatology, the output's identity and its nodes.
  func checkpointing(
    _ options: CheckpointRequest, climatology: [Double], unitsDone: Int, output: AnomalyOutput
  ) -> Checkpointing {
    let (path, fingerprint, partial) = (self.path, self.fingerprint, self.partial)
    let kill = Reduction.DebugKill(after: "FLOE_DEBUG_KILL_AFTER_ANOMALY_CHECKPOINT")
    var state: (@Sendable () throws -> [UInt8])?
    if unitsDone > 0 {
      state = {
        guard let saved = try CheckpointFile.read(path) else {
          throw ReduceError("\(path) disappeared")
        }
        return try Self.unpack(try saved.state(), path: path).kept
      }
    }
    return Checkpointing(
      everySupersteps: options.everySupersteps, everySeconds: options.everySeconds,
      unitsDone: unitsDone, state: state, location: path,
      prepare: { try output.flush() },
      save: { kept, units in
        let state = Self.pack(
          climatology: climatology, identity: Self.identity(of: partial) ?? [0, 0], kept: kept)
        try CheckpointFile.write(state, unitsDone: units, fingerprint: fingerprint, to: path)
        kill.saved()
      })
  }

  /// The file's inode and device: the same file, not a new one of the same name.
  static func identity(of path: String) -> [UInt64]? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return [UInt64(status.st_ino), UInt64(status.st_dev)]
  }

  /// [count of climatology values, inode, device] as UInt64, the climatology's float64
  /// values, then the keeper's nodes.
  static func pack(climatology: [Double], identity: [UInt64], kept: [UInt8]) -> [UInt8] {
    let header = [UInt64(climatology.count)] + identity
    return header.withUnsafeBytes { Array($0) } + climatology.withUnsafeBytes { Array($0) } + kept
  }

  static func unpack(_ bytes: [UInt8], path: String) throws -> (
    climatology: [Double], identity: [UInt64], kept: [UInt8]
  ) {
    guard bytes.count >= 24 else { throw ReduceError("\(path) is damaged: its state is too short") }
    let header = CheckpointFile.values(UInt64.self, of: bytes, in: 0..<24)
    let end = 24 + Int(header[0]) * 8
    guard end <= bytes.count else {
      throw ReduceError("\(path) is damaged: its state is too short")
    }
    return (
      CheckpointFile.values(Double.self, of: bytes, in: 24..<end), Array(header[1...2]),
      Array(bytes[end...])
    )
  }
}
