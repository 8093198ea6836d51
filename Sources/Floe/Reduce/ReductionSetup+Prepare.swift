import FloeHDF5
import FloeKernels
import FloeRuntime
import Foundation

/// Bad input found while preparing a reduction: names the file, variable or dimension.
public struct ReduceError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}

extension ReductionSetup {
  /// Rank 0: reads the input's metadata, checks the request, and plans.
  /// `placement`: the host of each rank and its memory, for the budget.
  public static func prepare(_ request: ReduceRequest, workers: Int, placement: Placement)
    throws -> ReductionSetup
  {
    let file = try File.open(request.input)
    let dataset = try file.dataset(request.variable)
    _ = try dataset.numericType()  // a clear error for a non-numeric variable
    let names = try dataset.dimensionNames()
    let what = "variable '\(request.variable)' in \(request.input)"
    guard !dataset.shape.isEmpty else {
      throw ReduceError("\(what) is a scalar: there is nothing to reduce over")
    }
    if let empty = dataset.shape.firstIndex(of: 0) {
      throw ReduceError("\(what) has no data: dimension '\(names[empty])' has length 0")
    }
    let axes = try Axis.axes(ofDimensions: names, in: file)
    let described = zip(names, axes).map { $0 + ($1.map { " (axis \($0.rawValue))" } ?? "") }
      .joined(separator: ", ")
    // A dimension by its name, else by the CF axis a name stands for (time, lat, lon, lev).
    func dimension(_ name: String, for option: String) throws -> Int {
      if let index = names.firstIndex(of: name) { return index }
      if let axis = Axis(alias: name) {
        let matches = axes.indices.filter { axes[$0] == axis }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
          throw ReduceError(
            "\(what): '\(name)' in \(option) could mean \(matches.map { names[$0] }.joined(separator: " or ")); name one"
          )
        }
      }
      throw ReduceError(
        "\(what) has no dimension '\(name)' to reduce over; its dimensions are \(described)")
    }
    // Several files: one variable along the record dimension, in time order.
    var shape = dataset.shape
    var concatenation: Concatenation?
    if !request.moreInputs.isEmpty {
      let joined = try Concatenation.make(
        [request.input] + request.moreInputs, variable: request.variable)
      shape[0] = joined.steps.reduce(0, +)
      concatenation = joined
    }
    // Bands need a part of a chunk to read alone, in every input and variable.
    var partsReadAlone = dataset.partsReadAlone && concatenation?.partsReadAlone != false
    let recordTimes = concatenation.flatMap { $0.times.count == shape[0] ? $0.times : nil }
    let (origin, extent) = try selectionBox(
      request, shape, names, dimension: dimension, file: file, recordTimes: recordTimes)
    var reduced = [Bool](repeating: false, count: names.count)
    var groups: GroupSpec?
    if let grouping = request.grouping {
      let time = try dimension("time", for: "--by/--resample")
      guard time == 0 else {
        throw ReduceError(
          "\(what): grouping by time needs time as the first dimension; it is dimension \(time + 1) ('\(names[time])')"
        )
      }
      guard file.hasDataset(names[time]) else {
        throw ReduceError(
          "\(what): dimension '\(names[time])' has no coordinate variable to group by")
      }
      let coordinate = try file.dataset(names[time])
      guard let units = try coordinate.attribute("units")?.string else {
        throw ReduceError("time coordinate '\(names[time])' in \(request.input) has no units")
      }
      let axis = try TimeAxis(
        units: units, calendar: try coordinate.attribute("calendar")?.string,
        coordinate: names[time], file: request.input)
      let times: [Double] =
        try recordTimes.map { Array($0[origin[time]..<(origin[time] + extent[time])]) }
        ?? coordinate.read(start: [origin[time]], count: [extent[time]])
      groups = GroupSpec(times: times, axis: axis, grouping: grouping)
      if request.over == nil { reduced[time] = true }
      if let over = request.over,
        !over.contains(where: { (try? dimension($0, for: "--over")) == time })
      {
        throw ReduceError(
          "--by and --resample group the time dimension '\(names[time])': include it in --over")
      }
    }
    if let over = request.over {
      for name in over {
        let axis = try dimension(name, for: "--over")
        guard !reduced[axis] else {
          throw ReduceError("dimension '\(names[axis])' is named twice in --over")
        }
        reduced[axis] = true
      }
    } else if groups == nil {
      // The record dimension, as ncra does; else the time axis; else the first.
      let record =
        dataset.maxShape.firstIndex(where: { $0 == nil }) ?? axes.firstIndex(of: .time) ?? 0
      reduced[record] = true
    }

    var weights: BuiltWeights?
    if let kind = request.weights, request.customReducer == nil {
      guard request.statistic == .mean || request.statistic == .sum else {
        throw ReduceError("--weights applies to --op mean and sum, not \(request.statistic)")
      }
      weights = try WeightBuilder(
        kind: kind, path: request.input, variable: request.variable, names: names, axes: axes,
        shape: shape, origin: origin, extent: extent
      ).build()
    }

    let decoding = try CFDecoding.read(from: dataset)
    var (readsFloat32, writesFloat32) = try types(of: dataset, decoding, request)
    // Several variables in one pass: the same dimensions, each decoded and written its own way.
    var variables: [VariableSetup] = []
    if request.variables.count > 1 {
      if case .percentile = request.statistic {
        throw ReduceError(
          "--op \(request.statistic) reduces one variable at a time; name one --var")
      }
      variables.append(
        VariableSetup(name: request.variable, decoding: decoding, writesFloat32: writesFloat32))
      for name in request.variables.dropFirst() {
        guard !variables.contains(where: { $0.name == name }) else {
          throw ReduceError("--var names '\(name)' twice")
        }
        let other = try file.dataset(name)
        let otherNames = try other.dimensionNames()
        guard otherNames == names, other.shape == dataset.shape else {
          throw ReduceError(
            "variables reduced in one pass need the same dimensions: '\(name)' in \(request.input) is "
              + "(\(zip(otherNames, other.shape).map { "\($0) \($1)" }.joined(separator: ", "))), "
              + "'\(request.variable)' (\(zip(names, dataset.shape).map { "\($0) \($1)" }.joined(separator: ", ")))"
          )
        }
        if let concatenation {
          let joined = try Concatenation.make(
            [request.input] + request.moreInputs, variable: name)
          guard joined.files == concatenation.files, joined.steps == concatenation.steps else {
            throw ReduceError(
              "'\(name)' does not run along the record dimension as '\(request.variable)' does in every file"
            )
          }
          partsReadAlone = partsReadAlone && joined.partsReadAlone
        }
        partsReadAlone = partsReadAlone && other.partsReadAlone
        let otherDecoding = try CFDecoding.read(from: other)
        let (reads, writes) = try types(of: other, otherDecoding, request)
        readsFloat32 = readsFloat32 && reads
        variables.append(VariableSetup(name: name, decoding: otherDecoding, writesFloat32: writes))
      }
    }

    if !request.readOnly { try checkOutput(request) }
    let elementSize = readsFloat32 ? 4 : 8
    // Units depend on the data's layout and nothing else (not the ranks, not the budget):
    // they fix the merge tree, and so the bits of the result. At least 1 MiB, and at least
    // eight values per output point, so that partials stay small next to the data.
    let chunks =
      dataset.chunkShape ?? shape.enumerated().map { $0.offset == 0 ? 1 : $0.element }
    let tilePoints = zip(chunks, reduced).reduce(1) { $0 * ($1.1 ? 1 : $1.0) }
    let targetUnitElements = Swift.max((1 << 20) / elementSize, 8 * tilePoints)
    var setup = ReductionSetup(
      shape: extent, origin: origin, dimensionNames: names, reduced: reduced,
      chunks: dataset.chunkShape,
      readsFloat32: readsFloat32, writesFloat32: writesFloat32, decoding: decoding,
      targetUnitElements: targetUnitElements, workers: workers,
      budgetBytes: request.memory.bytesPerRank(placement),
      budgetText: request.memory.text(placement), placement: placement, fieldsPerPoint: 0,
      weights: weights?.values,
      weightAxes: weights?.axes,
      groups: groups, variables: variables)
    // Percentiles size their own bands (Percentiles); reductions size supersteps here.
    if let concatenation {
      setup.files = concatenation.files
      setup.fileSteps = concatenation.steps
    }
    setup.holdsNodes = request.checkpoint == nil
    if case .percentile = request.statistic { return setup }
    let reducer = setup.reducer(for: request)
    setup.fieldsPerPoint = reducer.fieldsPerPoint
    if reducer.pointsAreIndependent, partsReadAlone {
      setup.band = TileBands.band(
        plan: setup.plan, fieldsPerPoint: setup.fieldsPerPoint, elementSize: elementSize)
    }
    _ = try setup.sizing()
    return setup
  }

  /// Whether a variable is read as float32 (float32 that needs no unpacking; everything
  /// else as float64) and written as float32 (as read, or CF: the type of scale_factor).
  static func types(
    of dataset: borrowing Dataset, _ decoding: CFDecoding, _ request: ReduceRequest
  ) throws -> (reads: Bool, writes: Bool) {
    let reads = try dataset.numericType() == .float32 && !decoding.isPacked
    var writes = reads && !request.writeFloat64
    if decoding.isPacked,
      case .numbers(let scale)? = try dataset.attribute("scale_factor")
        ?? dataset.attribute("add_offset")
    {
      writes = scale.elementType == .float32 && !request.writeFloat64
    }
    return (reads, writes)
  }

  /// The part of the variable that `--isel` (indices) and `--sel` (coordinate values; ISO
  /// dates for time) choose: its first index and extent along each dimension.
  static func selectionBox(
    _ request: ReduceRequest, _ shape: [Int], _ names: [String],
    dimension: (String, String) throws -> Int, file: borrowing File, recordTimes: [Double]?
  ) throws -> ([Int], [Int]) {
    var origin = [Int](repeating: 0, count: shape.count)
    var extent = shape
    var chosen = Set<Int>()
    for selection in request.selections {
      let d = try dimension(selection.dimension, "--sel/--isel")
      guard chosen.insert(d).inserted else {
        throw ReduceError("dimension '\(names[d])' is selected twice")
      }
      switch selection.bounds {
      case .index(let i, let j):
        let low = i ?? 0
        let high = j ?? shape[d]
        guard low >= 0, high <= shape[d], low < high else {
          throw ReduceError(
            "--isel \(selection.dimension)=\(i.map(String.init) ?? ""):\(j.map(String.init) ?? "") selects nothing "
              + "of dimension '\(names[d])', whose indices run 0..<\(shape[d])")
        }
        origin[d] = low
        extent[d] = high - low
      case .value(let from, let to):
        guard file.hasDataset(names[d]) else {
          throw ReduceError(
            "--sel \(selection.dimension): dimension '\(names[d])' has no coordinate variable; use --isel"
          )
        }
        let coordinate = try file.dataset(names[d])
        let values: [Double] =
          d == 0 ? try recordTimes ?? coordinate.readAll() : try coordinate.readAll()
        let timeAxis = try coordinate.attribute("units")?.string.flatMap { units in
          units.contains(" since ")
            ? try TimeAxis(
              units: units, calendar: try coordinate.attribute("calendar")?.string,
              coordinate: names[d], file: request.input)
            : nil
        }
        func value(_ text: String?) throws -> Double? {
          guard let text else { return nil }
          if let number = Double(text) { return number }
          guard let timeAxis else {
            throw ReduceError("--sel \(selection.dimension): '\(text)' is not a number")
          }
          return timeAxis.value(try TimeAxis.parseDate(text, units: "--sel \(selection.dimension)"))
        }
        let low = try value(from) ?? -.infinity
        let high = try value(to) ?? .infinity
        let inside = values.indices.filter {
          values[$0] >= min(low, high) && values[$0] <= max(low, high)
        }
        guard let first = inside.first, let last = inside.last else {
          throw ReduceError(
            "--sel \(selection.dimension)=\(from ?? ""):\(to ?? "") selects nothing: '\(names[d])' runs from "
              + "\(values.first.map { "\($0)" } ?? "?") to \(values.last.map { "\($0)" } ?? "?")"
              + (timeAxis.map { " (\($0.date(values.first ?? 0)) to \($0.date(values.last ?? 0)))" }
                ?? ""))
        }
        guard last - first + 1 == inside.count else {
          throw ReduceError(
            "--sel \(selection.dimension): the coordinate '\(names[d])' is not monotonic")
        }
        origin[d] = first
        extent[d] = last - first + 1
      }
    }
    return (origin, extent)
  }

  /// The output must not exist (unless replacing) and its folder must.
  static func checkOutput(_ request: ReduceRequest) throws {
    let output = URL(fileURLWithPath: request.output)
    var isDirectory: ObjCBool = false
    let folder = output.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw ReduceError("cannot write \(request.output): the folder \(folder) does not exist")
    }
    if FileManager.default.fileExists(atPath: request.output) && !request.overwrite {
      throw ReduceError(
        "\(request.output): the output exists already (use --overwrite to replace it)")
    }
    if output.standardizedFileURL.path
      == URL(fileURLWithPath: request.input).standardizedFileURL.path
    {
      throw ReduceError("the output \(request.output) is the input")
    }
  }

  /// What rank 0 prints before any data moves.
  public func planText(_ request: ReduceRequest, sizing: SuperstepSizing) -> String {
    let plan = self.plan
    // Where the workers' results go (with one worker there is nowhere else).
    let exchangeText =
      workers < 2
      ? ""
      : sizing.holdsNodes
        ? "; each worker keeps its results until the end"
        : "; results go to the keeper after every superstep"
    let dims = zip(dimensionNames, shape).map { "\($0) \($1)" }.joined(separator: ", ")
    let kept = zip(zip(dimensionNames, shape), reduced).filter { !$0.1 }.map {
      "\($0.0.0) \($0.0.1)"
    }
    let over = zip(dimensionNames, reduced).filter { $0.1 }.map(\.0).joined(separator: ", ")
    return """
      floe: plan: \(reducer(for: request).name)\(weights != nil ? " (weighted)" : "") of \(request.variables.joined(separator: ", "))(\(dims)) \(readsFloat32 ? "float32" : "as float64") \
      over \(over)\(groups.map { " in \($0.count) groups (\($0.grouping.rawValue))" } ?? "") -> (\(kept.joined(separator: ", ")))
      floe: plan: \(plan.unitCount) units of \(plan.unitExtent.map(String.init).joined(separator: " x ")) \
      (\(MemorySize.format(sizing.unitBytes))) in \(plan.tileCount) tile(s); \(workers) worker(s); \
      about \(sizing.supersteps) supersteps of up to \(sizing.unitsPerWorker) unit(s) per worker; \
      \(MemorySize.format(sizing.unitsPerWorker * sizing.unitBytes)) read per worker per superstep
      floe: plan: memory per rank \(MemorySize.format(sizing.bytesPerRank)) of \
      \(budgetText)\(exchangeText)
      """
  }
}
