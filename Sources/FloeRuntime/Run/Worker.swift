import FloeHDF5
public import FloeKernels

/// A worker's side of a reduction: reads its units, reduces each into a fresh partial,
/// merges along the canonical tree, and exchanges nodes with its neighbours.
public final class Worker {
  let plan: ReductionPlan
  let reducer: any Reducer
  let tree: CanonicalTree
  let source: any UnitSource
  /// Worker number (0 ..< workers, in placement order: `Placement.workerRanks`).
  let index: Int
  /// The world rank of each worker, and this worker's part of the exchange tree.
  let workerRanks: [Int]
  let exchangeSteps: (receiveFrom: [Int], sendTo: Int?)
  /// Whether worker w is on this worker's host.
  let sharesHost: [Bool]
  let transport: any Transport
  /// Buffer for one unit's values, reused for every unit.
  private var buffer: UnsafeMutableRawBufferPointer
  private let elementSize: Int
  /// Whether this worker keeps its nodes until the end of the job (`SuperstepSizing.holdsNodes`):
  /// its units form one range (`HeldRanges`), and `gather` merges them into the keeper's.
  let holdsNodes: Bool
  /// On the keeper (worker 0): every node merged so far; with held nodes, on every worker:
  /// its own.
  private(set) var kept: NodeSet
  /// On the keeper: the last superstep's nodes, its own and those received, not yet merged
  /// into `kept`. The merge waits for the next superstep (and counts in its compute time),
  /// so the keeper reports, and the other workers get their next orders, as soon as
  /// everything has arrived; the scheduler, seeing the keeper slower, gives it fewer units.
  private var unmerged: [NodeSet] = []
  /// The layouts of the exchange's node sets, kept from superstep to superstep: one receive
  /// buffer per child in the exchange tree, and one to send. (Their values travel as
  /// messages of their own, from and into the partials' arrays.)
  private var receiveBuffers: [[UInt8]]
  private var sendBuffer: [UInt8] = []
  /// With held nodes: the buffer arrays that are added on arrival go through.
  private var scratch: [Double] = []
  /// Whether this worker has read anything yet (for its start-up time).
  private var hasRead = false
  /// How units are cut to stay in cache, if they are.
  let pieces: UnitPieces?
  /// How whole units (mapped) go into the node set, and every unit's partial (and whether
  /// the reducer folds pieces in place, `wholeUnits.inPlace`, for units read in pieces).
  private var wholeUnits: WholeUnits

  public init(
    plan: ReductionPlan, sizing: SuperstepSizing, reducer: any Reducer, source: any UnitSource,
    index: Int, placement: Placement, transport: any Transport, holdsNodes: Bool = false
  ) {
    self.plan = plan
    self.holdsNodes = holdsNodes
    self.reducer = reducer
    self.tree = CanonicalTree(leaves: plan.unitsPerTile)
    self.source = source
    self.index = index
    workerRanks = placement.workerRanks
    exchangeSteps = placement.exchangeTree.steps(of: index)
    let mine = placement.hosts[workerRanks[index]]
    sharesHost = workerRanks.map { placement.hosts[$0] == mine }
    self.transport = transport
    elementSize = source.readsFloat32 ? 4 : 8
    buffer = .allocate(byteCount: sizing.unitBytes, alignment: 64)
    kept = NodeSet(tree: tree)
    receiveBuffers = exchangeSteps.receiveFrom.map { _ in [] }
    pieces = UnitPieces.choose(
      plan: plan, reducer: reducer, source: source, elementSize: elementSize)
    wholeUnits = WholeUnits(reducer: reducer)
  }

  deinit { buffer.deallocate() }

  /// On the keeper: every node merged so far, as a checkpoint stores it.
  public func keptState() -> [UInt8] {
    mergeUnmerged()
    return kept.encoded()
  }

  /// On the keeper: merges the last superstep's nodes into `kept`.
  private func mergeUnmerged() {
    // Each set taken out of the array before its merge, so that its partials are not shared
    // (merging into a shared array would copy it).
    unmerged.reverse()
    while let nodes = unmerged.popLast() { kept.merge(nodes, reducer: reducer) }
  }

  /// On the keeper of a resumed job: the nodes a checkpoint stored.
  public func restore(_ state: [UInt8]) { kept = NodeSet(decoding: state, tree: tree) }

  /// One superstep: read, reduce, exchange. Never skips the exchange, even after an error,
  /// so that no neighbour waits forever; the error goes into the report.
  public func superstep(_ range: Range<Int>, number: Int) -> WorkerReport {
    var report = WorkerReport()
    let mergeStart = ProcessStats.now()
    mergeUnmerged()
    report.computeSeconds += ProcessStats.now() - mergeStart
    var nodes = NodeSet(tree: tree)
    do {
      try reduce(range, into: &nodes, report: &report)
    } catch {
      report.error = error.description
      nodes = NodeSet(tree: tree)
    }
    if holdsNodes {
      let start = ProcessStats.now()
      kept.merge(nodes, reducer: reducer)
      report.computeSeconds += ProcessStats.now() - start
    } else {
      timedExchange(&nodes, number: number, report: &report)
    }
    report.peakRSSBytes = ProcessStats.peakRSSBytes
    report.cpuSeconds = ProcessStats.cpuSeconds
    return report
  }

  /// With held nodes, at the end of the job: every worker's nodes go to the keeper along
  /// the exchange tree. Neighbouring workers hold neighbouring ranges, so they combine as
  /// they travel, as a superstep's do.
  public func gather(number: Int) -> WorkerReport {
    var report = WorkerReport()
    if holdsNodes {
      var nodes = kept
      kept = NodeSet(tree: tree)
      timedExchange(&nodes, number: number, report: &report)
    }
    return report
  }

  /// The exchange, timed, its failure put in the report.
  private func timedExchange(_ nodes: inout NodeSet, number: Int, report: inout WorkerReport) {
    let start = ProcessStats.now()
    do {
      try exchange(&nodes, tag: 1000 + number % 1000, report: &report)
    } catch {
      report.error =
        report.error ?? "rank \(transport.rank) on \(transport.host): exchange failed: \(error)"
    }
    report.exchangeSeconds += ProcessStats.now() - start
  }

  /// Reduces the range's units one after the other: each straight from the file's pages
  /// where the source can map it, else read through one reused buffer (which stays mapped
  /// and, for small units or pieces, cached from unit to unit).
  private func reduce(_ range: Range<Int>, into nodes: inout NodeSet, report: inout WorkerReport)
    throws(UnitError)
  {
    for u in range {
      let (start, count) = plan.block(ofUnit: u)
      let (tile, local) = plan.locate(unit: u)
      let leaf = TreeNode(tile: tile, level: 0, index: local)
      let partial: Partial
      switch try reduceMapped(
        unit: u, leaf: leaf, start: start, count: count, into: &nodes, report: &report)
      {
      case .addedToSibling:
        report.units += 1
        continue
      case .reduced(let whole): partial = whole
      case .notMapped: partial = try reduceRead(unit: u, start: start, count: count, report: &report)
      }
      let computeStart = ProcessStats.now()
      wholeUnits.insert(consume partial, leaf: leaf, into: &nodes)
      report.units += 1
      report.computeSeconds += ProcessStats.now() - computeStart
    }
  }

  /// What became of a unit the source was asked to map.
  private enum MappedUnit {
    /// Not mapped: read it.
    case notMapped
    /// Reduced into a partial of its own.
    case reduced(Partial)
    /// Added straight into its sibling's partial, now their parent's in the node set.
    case addedToSibling
  }

  /// Unit `u` reduced whole from the file's pages, without a copy (`UnitSource.mapped`): no
  /// pieces are needed, since nothing passes through a buffer. Not mapped where the source
  /// cannot map it, or its values need a decoding pass (the pages are read-only).
  private func reduceMapped(
    unit u: Int, leaf: TreeNode, start: [Int], count: [Int], into nodes: inout NodeSet,
    report: inout WorkerReport
  ) throws(UnitError) -> MappedUnit {
    let decoding = source.decoding(ofBlockAt: start)
    guard !decoding.needsPass else { return .notMapped }
    noteFirstRead(&report)
    let readStart = ProcessStats.now()
    var region: MappedRegion?
    do {
      region = try source.mapped(start: start, count: count)
    } catch {
      throw unitError(u, "reading", error)
    }
    let computeStart = ProcessStats.now()
    report.readSeconds += computeStart - readStart
    guard let bytes = region?.bytes else { return .notMapped }
    report.bytesRead += bytes.count
    report.unitsMapped += 1
    let values: Block.Values =
      source.readsFloat32
      ? .float32(bytes.assumingMemoryBound(to: Float.self))
      : .float64(bytes.assumingMemoryBound(to: Double.self))
    let block = Block(
      values: values, shape: count, start: start, reduced: plan.reduced,
      missing: decoding.kernelMissing)
    let partial = withExtendedLifetime(region) {
      wholeUnits.reduce(block, leaf: leaf, into: &nodes)
    }
    let unmapStart = ProcessStats.now()
    report.computeSeconds += unmapStart - computeStart
    region = nil  // unmapped: part of the read's cost
    report.readSeconds += ProcessStats.now() - unmapStart
    return partial.map { .reduced($0) } ?? .addedToSibling
  }

  /// Unit `u` read through the buffer and reduced: whole, or piece by piece along
  /// `pieces.dimension` so that each piece is still in cache when it is reduced.
  private func reduceRead(
    unit u: Int, start: [Int], count: [Int], report: inout WorkerReport
  ) throws(UnitError) -> Partial {
    var partial: Partial?
    let d = pieces?.dimension ?? 0
    let length = pieces?.length ?? count[0]
    let placed = pieces?.kind == .placed
    // Whether the pieces fold straight into the unit's partial.
    var foldsInPlace = false
    var first = 0
    while first < count[d] {
      var pieceStart = start
      pieceStart[d] += first
      var pieceCount = count
      pieceCount[d] = Swift.min(length, count[d] - first)
      let block = try read(unit: u, start: pieceStart, count: pieceCount, report: &report)
      let computeStart = ProcessStats.now()
      let pointsPerIndex = block.points / pieceCount[d]
      if placed && partial == nil, let reducer = wholeUnits.inPlace,
        let unset = reducer.unsetPartial(points: pointsPerIndex * count[d], piecesLike: block)
      {
        // Its values are set as the pieces fold in: they cover every point.
        partial = unset
        foldsInPlace = true
      }
      if foldsInPlace {
        wholeUnits.inPlace!.accumulate(
          block, into: &partial!, atPoint: first * pointsPerIndex, continuing: false)
      } else if placed {
        var piece = reducer.makePartial(points: block.points)
        reducer.accumulate(block, into: &piece)
        if partial == nil {
          // Its values are set as the pieces are placed: they cover every point.
          partial = Partial(unsetLike: piece, points: pointsPerIndex * count[d])
        }
        partial!.place(piece, atPoint: first * pointsPerIndex)
      } else {
        if partial == nil { partial = reducer.makePartial(points: block.points) }
        reducer.accumulate(block, into: &partial!)
      }
      report.computeSeconds += ProcessStats.now() - computeStart
      first += pieceCount[d]
    }
    return partial.take()!
  }

  /// The first read of the job ends this worker's start-up.
  private func noteFirstRead(_ report: inout WorkerReport) {
    if !hasRead {
      hasRead = true
      report.startupSeconds = ProcessStats.secondsSinceStart ?? 0
    }
  }

  /// Reads a block of unit `u` into the buffer and decodes it as CF says.
  private func read(unit u: Int, start: [Int], count: [Int], report: inout WorkerReport)
    throws(UnitError) -> Block
  {
    let n = count.reduce(1, *)
    noteFirstRead(&report)
    let readStart = ProcessStats.now()
    do {
      try source.read(
        start: start, count: count,
        into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(n * elementSize)]))
    } catch {
      throw unitError(u, "reading", error)
    }
    let decodeStart = ProcessStats.now()
    report.readSeconds += decodeStart - readStart
    report.bytesRead += n * elementSize
    let decoding = source.decoding(ofBlockAt: start)
    let values: Block.Values
    if source.readsFloat32 {
      let typed = buffer.bindMemory(to: Float.self).prefix(n)
      if decoding.needsPass { decoding.decode(UnsafeMutableBufferPointer(rebasing: typed)) }
      values = .float32(UnsafeBufferPointer(rebasing: typed))
    } else {
      let typed = buffer.bindMemory(to: Double.self).prefix(n)
      if decoding.needsPass { decoding.decode(UnsafeMutableBufferPointer(rebasing: typed)) }
      values = .float64(UnsafeBufferPointer(rebasing: typed))
    }
    report.computeSeconds += ProcessStats.now() - decodeStart
    return Block(
      values: values, shape: count, start: start, reduced: plan.reduced,
      missing: decoding.kernelMissing)
  }

  /// The exchange along the placement's tree (`ExchangeTree`): receive and merge the nodes
  /// of this worker's children (neighbouring ranges, so the nodes combine as they go), then
  /// send everything to its parent. The keeper, the root, only receives: it merges in the
  /// next superstep (`unmerged`). A node set travels as its layout, then each of its arrays
  /// as a message of its own, so neither side copies the values into or out of bytes.
  private func exchange(_ nodes: inout NodeSet, tag: Int, report: inout WorkerReport) throws {
    let (children, parent) = exchangeSteps
    var received: [NodeSet] = []
    for (i, child) in children.enumerated() {
      let rank = workerRanks[child]
      let count = try transport.receive(from: rank, tag: tag, into: &receiveBuffers[i])
      if holdsNodes {
        // The one exchange of the job: what can be added into this worker's nodes arrives
        // through one reused buffer instead of fresh memory.
        try nodes.merge(
          arriving: receiveBuffers[i][..<count], reducer: reducer, scratch: &scratch
        ) { array in try transport.receive(from: rank, tag: tag, into: &array) }
        continue
      }
      received.append(
        try NodeSet(layout: receiveBuffers[i][..<count], tree: tree) { counts in
          // Empty arrays travel as no message at all.
          var arrays = try transport.receive(
            counts: counts.filter { $0 > 0 }, from: rank, tag: tag)[...]
          return counts.map { $0 == 0 ? [] : arrays.popFirst()! }
        })
    }
    guard let parent else {
      unmerged = [nodes] + received
      nodes = NodeSet(tree: tree)
      return
    }
    received.reverse()
    while let set = received.popLast() { nodes.merge(set, reducer: reducer) }
    nodes.encodeLayout(into: &sendBuffer)
    let values = nodes.storedValues
    report.sent.count(
      sendBuffer.count + values.reduce(0) { $0 + $1.count * 8 }, withinHost: sharesHost[parent])
    try transport.send(sendBuffer, to: workerRanks[parent], tag: tag)
    try transport.send(each: values.filter { !$0.isEmpty }, to: workerRanks[parent], tag: tag)
  }

  /// On the keeper: finalizes every tile and writes it. Throws if a tile is incomplete,
  /// which would be a scheduling bug.
  public func finish(into sink: inout any ResultSink) throws {
    mergeUnmerged()
    for tile in 0..<plan.tileCount {
      guard let root = kept.removeRoot(ofTile: tile) else {
        preconditionFailure("tile \(tile) incomplete at finish: units were lost")
      }
      var values = [Double](repeating: 0, count: root.points * (reducer.groups ?? 1))
      values.withUnsafeMutableBufferPointer { reducer.finalize(root, into: $0) }
      var (start, count) = plan.outputBlock(ofTile: tile)
      if let groups = reducer.groups {
        // A grouped result has a leading dimension of groups.
        start.insert(0, at: 0)
        count.insert(groups, at: 0)
      }
      try sink.write(start: start, count: count, values: values)
    }
    try sink.commit()
  }

  private func unitError(_ u: Int, _ doing: String, _ error: any Error) -> UnitError {
    let (start, count) = plan.block(ofUnit: u)
    let names = source.dimensionNames
    let coordinates = (0..<start.count).map { d in
      "\(d < names.count ? names[d] : "dim\(d)") \(start[d])..<\(start[d] + count[d])"
    }.joined(separator: ", ")
    return UnitError(
      rank: transport.rank, host: transport.host, unit: u, units: plan.unitCount,
      coordinates: coordinates, operation: "\(doing) for \(reducer.name)", message: "\(error)")
  }
}

/// A failure while working on one unit, with where it happened.
public struct UnitError: Error, CustomStringConvertible {
  public var rank: Int
  public var host: String
  public var unit: Int
  public var units: Int
  public var coordinates: String
  public var operation: String
  public var message: String

  public var description: String {
    "rank \(rank) on \(host), unit \(unit) of \(units) (\(coordinates)), \(operation): \(message)"
  }
}
