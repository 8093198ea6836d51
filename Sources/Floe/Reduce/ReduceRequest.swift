public import FloeKernels
public import FloeRuntime

/// What a user asks of `floe reduce`.
public struct ReduceRequest: Sendable {
  public var input: String
  /// More files that continue `input` along the record dimension (as ncrcat and
  /// open_mfdataset concatenate them); any order: Floe sorts them by time.
  public var moreInputs: [String] = []
  /// The variables to reduce (`--var a,b`), in one pass over the data when several.
  public var variables: [String]
  /// The first (often the only) variable.
  public var variable: String {
    get { variables[0] }
    set { variables[0] = newValue }
  }
  public var statistic: Statistic
  /// Dimension names to reduce; nil: the record (unlimited) dimension, else the first.
  public var over: [String]?
  public var output: String
  public var memoryPerRank: MemorySize
  /// `--memory-per-node`: memory shared by the ranks on each node, instead of per rank.
  public var memoryPerNode: MemorySize?
  public var overwrite: Bool
  /// The command line, for the output's `history`.
  public var commandLine: String
  /// Weights for a weighted mean or sum (`--weights`).
  public var weights: WeightKind?
  /// Groups of time steps (`--by`, `--resample`): one result per group.
  public var grouping: TimeGrouping?
  /// `--sel` and `--isel`: the part of the variable to reduce.
  public var selections: [Selection] = []
  /// Write float64 even for float32 input (`--dtype float64`).
  public var writeFloat64 = false
  /// A reducer of your own instead of `statistic`'s.
  public var customReducer: (any Reducer)?
  /// Read every unit and compute nothing, write nothing (`--read-only`): Floe's own floor.
  public var readOnly = false
  /// `--checkpoint DIR` (and `--resume`): save progress, start from saved progress.
  public var checkpoint: CheckpointRequest?
  /// Progress, quiet, run reports.
  public var watch = WatchOptions()

  /// The CF `cell_methods` words for the result.
  public var cellMethod: String {
    if let customReducer { return customReducer.name }
    return statistic.cellMethod + (weights.map { " " + $0.cellMethodComment } ?? "")
  }

  /// The memory budget as given: per node if `memoryPerNode` is set, else per rank.
  public var memory: MemoryBudget {
    MemoryBudget(memoryPerNode.map { .perNode($0) } ?? .perRank(memoryPerRank))
  }

  /// Floe's default `--memory-per-rank`.
  public static let defaultMemory = MemorySize(bytes: 1 << 30)

  public init(
    input: String, variable: String, statistic: Statistic, over: [String]? = nil, output: String,
    memoryPerRank: MemorySize = defaultMemory, overwrite: Bool = false, commandLine: String = "",
    weights: WeightKind? = nil, grouping: TimeGrouping? = nil, customReducer: (any Reducer)? = nil
  ) {
    self.weights = weights
    self.grouping = grouping
    self.customReducer = customReducer
    self.input = input
    self.variables = [variable]
    self.statistic = statistic
    self.over = over
    self.output = output
    self.memoryPerRank = memoryPerRank
    self.overwrite = overwrite
    self.commandLine = commandLine
  }
}

/// What rank 0 learns from the input's metadata and sends to every rank, so that all
/// build the same plan without each reading the metadata.
public struct ReductionSetup: Codable, Sendable, Equatable {
  /// The extent reduced: the variable's shape, or the part `--sel` / `--isel` chose.
  public var shape: [Int]
  /// Where that part starts in the variable.
  public var origin: [Int]
  /// Several input files along the record dimension, in time order (empty: one file).
  public var files: [String] = []
  /// The record steps of each of `files`.
  public var fileSteps: [Int] = []
  public var dimensionNames: [String]
  public var reduced: [Bool]
  public var chunks: [Int]?
  /// Tiles cut into bands of this many indices of the outermost kept dimension (`TileBands`),
  /// or nil for tiles of whole chunks.
  public var band: Int?
  /// float32 data that needs no unpacking is read as float32; everything else as float64.
  public var readsFloat32: Bool
  /// Whether the output is float32 (float32 data, or data packed with a float32 scale_factor).
  public var writesFloat32: Bool
  public var decoding: CFDecoding
  public var targetUnitElements: Int
  public var workers: Int
  /// Bytes for Floe's buffers on each rank (`--memory-per-rank`, or the node's share).
  public var budgetBytes: Int
  /// The budget as the plan states it ("--memory-per-node 8.0 GiB (4 rank(s) on ...)").
  public var budgetText: String = ""
  /// Whether the workers may keep their nodes until the end (`SuperstepSizing.holdsNodes`):
  /// not when the job saves checkpoints.
  public var holdsNodes = true
  /// The host of each rank and its memory (rank 0 gathers them before planning).
  public var placement = Placement(hosts: [""])
  public var fieldsPerPoint: Int
  /// Weights for a weighted statistic, row-major over `weightAxes` of the selected box.
  /// Sent to the ranks in binary, not in the setup's JSON (a fine grid has millions).
  public var weights: [Double]?
  public var weightAxes: [Int]?
  /// Groups along the first dimension (time), for `--by` and `--resample`.
  public var groups: GroupSpec?
  /// Several variables of the same dimensions reduced in one pass (`--var a,b`); empty for
  /// one. The plan then has a leading dimension of variables, kept, with one variable per
  /// unit: each variable's units, merge tree and so result bits are those of its own run.
  public var variables: [VariableSetup] = []

  /// 1 when the plan has the leading dimension of variables, else 0.
  public var variableAxes: Int { variables.count > 1 ? 1 : 0 }

  /// The reducer every rank runs: yours, a weighted one, or the statistic's.
  public func reducer(for request: ReduceRequest) -> any Reducer {
    let base: any Reducer
    if let custom = request.customReducer {
      base = custom
    } else if let weights, let weightAxes {
      base = WeightedSumReducer(
        weights: weights, axes: weightAxes.map { $0 + variableAxes },
        extents: weightAxes.map { shape[$0] }, mean: request.statistic == .mean)
    } else {
      base = request.statistic.reducer
    }
    guard let groups else { return base }
    return GroupedReducer(
      base: base, groupOfIndex: groups.index, groupCount: groups.count, axis: variableAxes)
  }

  public var plan: ReductionPlan {
    guard variableAxes == 1 else {
      return ReductionPlan(
        shape: shape, reduced: reduced, chunks: chunks, targetUnitElements: targetUnitElements,
        band: band)
    }
    let chunks = self.chunks ?? shape.enumerated().map { $0.offset == 0 ? 1 : $0.element }
    return ReductionPlan(
      shape: [variables.count] + shape, reduced: [false] + reduced, chunks: [1] + chunks,
      targetUnitElements: targetUnitElements, band: band)
  }

  public func sizing() throws -> SuperstepSizing {
    do {
      return try SuperstepSizing(
        plan: plan, workers: workers, budget: MemorySize(bytes: budgetBytes),
        elementSize: readsFloat32 ? 4 : 8, fields: partialFields, holding: holdsNodes)
    } catch {
      // Say where a per-rank figure came from when the user gave one per node.
      guard budgetText.hasPrefix("--memory-per-node") else { throw error }
      throw PlanError("\(budgetText): \(error)")
    }
  }

  /// Partial sizes by merge-tree level. A grouped partial holds only the groups its units
  /// touched: a node of 2^k units of s steps at most the most groups in any 2^k * s steps.
  var partialFields: PartialFields {
    guard let groups, groups.count > 0 else { return PartialFields(fieldsPerPoint) }
    let plan = self.plan
    let slot = fieldsPerPoint / groups.count
    let unitSteps = plan.unitExtent[variableAxes]
    let height = CanonicalTree(leaves: plan.unitsPerTile).height
    var byLevel: [Int] = []
    for level in 0...height {
      let touched = groups.mostGroups(inStepsAtOnce: unitSteps << level)
      byLevel.append(slot * touched)
      if touched == groups.count { break }
    }
    return PartialFields(byLevel: byLevel)
  }
}

/// One of several variables reduced in one pass: how to decode it, how to write it.
public struct VariableSetup: Codable, Sendable, Equatable {
  public var name: String
  public var decoding: CFDecoding
  public var writesFloat32: Bool
}
