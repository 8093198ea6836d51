import FloeHDF5
import FloeKernels
public import FloeMPI
public import FloeRuntime
import Foundation

/// `floe anomaly`: each value minus its climatology (the mean of its month, season, ...),
/// a full-size output. Two passes on the BSP runtime over the same units: the climatology,
/// kept in memory on the keeper and broadcast; then every worker writes its units'
/// anomalies into one file that the workers create and write together (MPI-IO).
public enum Anomaly {
  public static func run(_ request: ReduceRequest, world: Communicator, log: (String) -> Void)
    throws -> RunSummary?
  {
    let watch = try RunWatch(request, world: world)
    return try watch.around { try run(request, world: world, log: log, watch: watch) }
  }

  static func run(
    _ request: ReduceRequest, world: Communicator, log: (String) -> Void, watch: RunWatch
  ) throws -> RunSummary? {
    var climatologyRequest = request
    climatologyRequest.statistic = .mean
    let setup = try Reduction.plan(climatologyRequest, world: world, log: log)
    guard let groups = setup.groups,
      setup.reduced == [true] + [Bool](repeating: false, count: setup.shape.count - 1),
      setup.origin.allSatisfy({ $0 == 0 }), setup.weights == nil
    else {
      let message =
        "floe anomaly takes --by (or --resample) over time only, without --over, --sel or --weights"
      if world.rank == 0 { Agreement.printError(message) }
      throw JobFailure(message: message, exitCode: JobFailure.failedExitCode)
    }

    let temporary = request.output + ".floe-partial"
    let saved = try request.checkpoint.map {
      try AnomalyCheckpoint($0, request: request, setup: setup)
    }
    let start = try saved?.start(
      resume: request.checkpoint?.resume ?? false, units: setup.plan.unitCount, world: world,
      log: log)

    // Pass 1: the climatology, captured on the keeper (unless a saved pass 2 has it).
    let climatology: [Double]
    if let start {
      climatology = start.climatology
    } else {
      let captured = CapturedResult(shape: [groups.count] + Array(setup.shape.dropFirst()))
      _ = try Reduction.execute(
        climatologyRequest, setup: setup, reducer: setup.reducer(for: climatologyRequest),
        world: world, log: log, watch: watch, phase: "climatology",
        checkpointing: try Reduction.checkpointing(
          climatologyRequest, setup: setup, world: world, log: log),
        removesCheckpoint: saved == nil
      ) { _, _ in captured }
      let keeper = world.size > 1 ? 1 : 0
      climatology = try world.broadcastArray(captured.values, root: keeper)
      if let saved, let first = request.checkpoint?.path {
        try saved.saveClimatology(climatology, firstPass: first, world: world)
      }
    }

    // Pass 2: anomalies, written by the workers into one shared file (a resumed one goes on
    // writing the file it had begun).
    let unitsDone = start?.unitsDone ?? 0
    let output = AnomalyOutput()
    let writer = AnomalyWriter(
      groupOfTime: groups.index, climatology: climatology,
      points: setup.shape.dropFirst().reduce(1, *),
      shape: setup.shape, output: output, variableName: request.variable)
    var secondPass: Checkpointing?
    if let saved, let options = request.checkpoint {
      secondPass = saved.checkpointing(
        options, climatology: climatology, unitsDone: unitsDone, output: output)
    }
    var summary: RunSummary?
    var failure: (any Error)?
    do {
      summary = try Reduction.execute(
        request, setup: setup, reducer: writer, world: world, log: log, watch: watch,
        phase: "anomalies",
        readersReady: { readers in
          if unitsDone > 0 {
            // Each worker opens the variable when it first writes, on its own: metadata
            // reads must then be independent (a created file has it cached everywhere).
            output.file = OpenFile(
              try File.open(
                temporary, communicator: readers, writable: true, collectiveMetadata: false))
            return
          }
          output.file = OpenFile(
            try AnomalyOutput.create(
              temporary, request: request, setup: setup, communicator: readers,
              axes: Array(setup.shape.indices), chunked: true,
              comment:
                "anomaly: each value minus the mean of its \(groups.grouping.rawValue) over the input"
            ))
        },
        checkpointing: secondPass,
        removesCheckpoint: false
      ) { _, _ in DiscardedResult() }
    } catch {
      failure = error
    }
    if failure == nil {
      // A failed write on any worker fails the job on every rank, printed once.
      do {
        try Agreement.everyRank(world) { if let error = output.error { throw ReduceError(error) } }
      } catch { failure = error }
    }
    output.file = nil  // collective close among the workers
    try world.barrier(.sleeping)
    if world.rank == 0 {
      if failure == nil && rename(temporary, request.output) != 0 {
        failure = ReduceError("cannot rename \(temporary) to \(request.output)")
        Agreement.printError("\(failure!)")
      }
      // With --checkpoint the half-written output is the saved progress: it stays (under
      // its temporary name) for --resume.
      if failure != nil && saved == nil { unlink(temporary) }
      if failure == nil, let saved { unlink(saved.path) }
    }
    if let failure { throw failure }
    return summary
  }
}

/// The anomaly's output file, shared by the workers.
final class AnomalyOutput: @unchecked Sendable {
  var file: OpenFile?

  /// Every unit written so far to the disk (collective among the workers).
  func flush() throws { try file?.file.flush() }
  /// The first write that failed (writes happen inside `accumulate`, which cannot throw).
  var error: String?

  /// Creates the output collectively on the workers' communicator: the dimensions `axes`
  /// of the input (the selected part) with their coordinates, the input's attributes, the
  /// variable uncompressed (parallel HDF5 writes filtered data only collectively) and, if
  /// `chunked`, chunked like the input, so that each unit is whole chunks.
  static func create(
    _ path: String, request: ReduceRequest, setup: ReductionSetup, communicator: Communicator,
    axes: [Int], chunked: Bool, cellMethods: String? = nil, comment: String? = nil,
    groups: GroupSpec? = nil
  ) throws -> File {
    // The first file in time order, alone, and closed before the workers open it.
    let input = try File.open(setup.files.first ?? request.input)
    let out = try File.create(path, communicator: communicator, overwrite: true)
    let first = communicator.rank == 0
    var dimensions = axes.map { setup.dimensionNames[$0] }
    if let groups {
      // A leading dimension of groups (months, seasons, ...) replaces time.
      dimensions.insert(setup.dimensionNames[0], at: 0)
      try NetCDFResultSink.writeGroupTimes(
        groups, name: setup.dimensionNames[0], from: input, to: out, writesValues: first)
    }
    for axis in axes {
      // Several files: the record coordinate is theirs joined, not the first file's.
      let joined = axis == 0 && !setup.files.isEmpty
      try NetCDFResultSink.copyDimension(
        setup.dimensionNames[axis], first: setup.origin[axis], length: setup.shape[axis],
        from: input,
        to: out, writesValues: first && !joined)
      if joined && first {
        try writeJoinedRecord(
          setup.dimensionNames[0], of: setup, variable: request.variable, from: input, to: out)
      }
    }
    let source = try input.dataset(request.variable)
    let type: ElementType = setup.writesFloat32 ? .float32 : .float64
    let fill = NetCDFResultSink.defaultFloatFill
    let variable = try out.createVariable(
      request.variable, type: type, dimensions: dimensions,
      options: VariableOptions(
        chunkShape: chunked ? source.chunkShape : nil,
        fillValue: type == .float32 ? .float32([Float(fill)]) : .float64([fill])))
    let dropped: Set<String> = [
      "_FillValue", "missing_value", "valid_min", "valid_max", "valid_range", "scale_factor",
      "add_offset",
    ]
    for attribute in try source.attributes() where !dropped.contains(attribute.name) {
      try variable.setAttribute(attribute.name, attribute.value)
    }
    if let cellMethods {
      let previous = try source.attribute("cell_methods")?.string.map { $0 + " " } ?? ""
      try variable.setAttribute("cell_methods", .text(previous + cellMethods))
    }
    if let comment { try variable.setAttribute("comment", .text(comment)) }
    for attribute in try input.attributes() where attribute.name != "history" {
      try out.setAttribute(attribute.name, attribute.value)
    }
    let history = try input.attribute("history")?.string.map { "\n" + $0 } ?? ""
    let stamp = ISO8601DateFormatter().string(from: Date())
    try out.setAttribute("history", .text("\(stamp): \(request.commandLine)" + history))
    return out
  }
}

extension AnomalyOutput {
  /// The record coordinate (and its bounds) of several files, joined in time order.
  static func writeJoinedRecord(
    _ name: String, of setup: ReductionSetup, variable: String, from input: borrowing File,
    to out: borrowing File
  ) throws {
    guard out.hasDataset(name), input.hasDataset(name) else { return }
    let joined = try Concatenation.make(setup.files, variable: variable)
    guard joined.times.count == setup.shape[0] else { return }
    try out.dataset(name).writeAll(joined.times)
    if let boundsName = try input.dataset(name).attribute("bounds")?.string,
      out.hasDataset(boundsName), let bounds = joined.bounds
    {
      try out.dataset(boundsName).writeAll(bounds)
    }
  }
}

/// Pass 2's "reducer": writes each unit's anomalies and keeps no state. Each unit is
/// written once, by the worker that reads it, so the file is the same for any rank count.
struct AnomalyWriter: Reducer, @unchecked Sendable {
  let groupOfTime: [Int32]
  let climatology: [Double]
  /// Points per time step.
  let points: Int
  let shape: [Int]
  let output: AnomalyOutput
  let variableName: String

  var name: String { "anomaly" }
  var fieldsPerPoint: Int { 0 }
  func merge(_ right: Partial, into left: inout Partial) {}
  func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {}

  func accumulate(_ block: Block, into partial: inout Partial) {
    guard let open = output.file else { return }
    // Strides of the full time step, to find each value's point in the climatology.
    var stride = [Int](repeating: 1, count: shape.count)
    for d in Swift.stride(from: shape.count - 2, through: 1, by: -1) {
      stride[d] = stride[d + 1] * shape[d + 1]
    }
    var values = [Double](repeating: 0, count: block.values.count)
    var index = [Int](repeating: 0, count: shape.count)
    let missing = block.missing.values
    for k in 0..<values.count {
      let x: Double
      switch block.values {
      case .float32(let v): x = Double(v[k])
      case .float64(let v): x = v[k]
      }
      var point = 0
      for d in 1..<shape.count { point += (block.start[d] + index[d]) * stride[d] }
      let group = Int(groupOfTime[block.start[0] + index[0]])
      values[k] = x.isNaN || missing.contains(x) ? .nan : x - climatology[group * points + point]
      var d = shape.count - 1
      while d >= 0 {
        index[d] += 1
        if index[d] < block.shape[d] { break }
        index[d] = 0
        d -= 1
      }
    }
    let fill = NetCDFResultSink.defaultFloatFill
    do {
      try open.file.dataset(variableName).writeResults(
        values, fill: fill, start: block.start, count: block.shape)
    } catch {
      if output.error == nil { output.error = "writing \(block.start): \(error)" }
    }
  }
}

/// The keeper's result held in memory (the climatology of pass 1).
final class CapturedResult: ResultSink, @unchecked Sendable {
  let shape: [Int]
  var values: [Double]
  init(shape: [Int]) {
    self.shape = shape
    values = []
  }
  func write(start: [Int], count: [Int], values tile: [Double]) throws {
    if values.isEmpty { values = [Double](repeating: .nan, count: shape.reduce(1, *)) }
    // Row-major placement of the tile's block in the whole result.
    var index = [Int](repeating: 0, count: shape.count)
    for v in tile {
      var linear = 0
      for d in 0..<shape.count { linear = linear * shape[d] + start[d] + index[d] }
      values[linear] = v
      var d = shape.count - 1
      while d >= 0 {
        index[d] += 1
        if index[d] < count[d] { break }
        index[d] = 0
        d -= 1
      }
    }
  }
  func commit() throws {}
  func discard() {}
}

/// Pass 2 writes as it goes; the keeper has nothing left to write.
struct DiscardedResult: ResultSink {
  func write(start: [Int], count: [Int], values: [Double]) throws {}
  func commit() throws {}
  func discard() {}
}
