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
  public static func prepare(_ request: ReduceRequest, workers: Int) throws -> ReductionSetup {
    let file = try File.open(request.input)
    let dataset = try file.dataset(request.variable)
    let type = try dataset.numericType()
    let names = try dataset.dimensionNames()
    let what = "variable '\(request.variable)' in \(request.input)"
    guard !dataset.shape.isEmpty else {
      throw ReduceError("\(what) is a scalar: there is nothing to reduce over")
    }
    if let empty = dataset.shape.firstIndex(of: 0) {
      throw ReduceError("\(what) has no data: dimension '\(names[empty])' has length 0")
    }
    var reduced = [Bool](repeating: false, count: names.count)
    if let over = request.over {
      for name in over {
        guard let axis = names.firstIndex(of: name) else {
          throw ReduceError(
            "\(what) has no dimension '\(name)' to reduce over; its dimensions are \(names.joined(separator: ", "))")
        }
        guard !reduced[axis] else { throw ReduceError("dimension '\(name)' is named twice in --over") }
        reduced[axis] = true
      }
    } else {
      reduced[dataset.maxShape.firstIndex(where: { $0 == nil }) ?? 0] = true
    }

    var missing: [Double] = []
    for attribute in ["_FillValue", "missing_value"] {
      if case .numbers(let n)? = try dataset.attribute(attribute) { missing += n.doubles }
    }

    try checkOutput(request)
    let elementSize = type == .float32 ? 4 : 8
    // Units depend on the data's layout and nothing else (not the ranks, not the budget):
    // they fix the merge tree, and so the bits of the result. At least 1 MiB, and at least
    // eight values per output point, so that partials stay small next to the data.
    let chunks = dataset.chunkShape ?? dataset.shape.enumerated().map { $0.offset == 0 ? 1 : $0.element }
    let tilePoints = zip(chunks, reduced).reduce(1) { $0 * ($1.1 ? 1 : $1.0) }
    let targetUnitElements = Swift.max((1 << 20) / elementSize, 8 * tilePoints)
    let setup = ReductionSetup(
      shape: dataset.shape, dimensionNames: names, reduced: reduced, chunks: dataset.chunkShape,
      readsFloat32: type == .float32, missing: missing,
      targetUnitElements: targetUnitElements, workers: workers,
      budgetBytes: request.memoryPerRank.bytes, fieldsPerPoint: request.reducer.fieldsPerPoint)
    _ = try setup.sizing()
    return setup
  }

  /// The output must not exist (unless replacing) and its folder must.
  static func checkOutput(_ request: ReduceRequest) throws {
    let output = URL(fileURLWithPath: request.output)
    var isDirectory: ObjCBool = false
    let folder = output.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ReduceError("cannot write \(request.output): the folder \(folder) does not exist")
    }
    if FileManager.default.fileExists(atPath: request.output) && !request.overwrite {
      throw ReduceError("\(request.output): the output exists already (use --overwrite to replace it)")
    }
    if output.standardizedFileURL.path == URL(fileURLWithPath: request.input).standardizedFileURL.path {
      throw ReduceError("the output \(request.output) is the input")
    }
  }

  /// What rank 0 prints before any data moves.
  public func planText(_ request: ReduceRequest, sizing: SuperstepSizing) -> String {
    let plan = self.plan
    let dims = zip(dimensionNames, shape).map { "\($0) \($1)" }.joined(separator: ", ")
    let kept = zip(zip(dimensionNames, shape), reduced).filter { !$0.1 }.map { "\($0.0.0) \($0.0.1)" }
    let over = zip(dimensionNames, reduced).filter { $0.1 }.map(\.0).joined(separator: ", ")
    return """
      floe: plan: \(request.reducer.name) of \(request.variable)(\(dims)) \(readsFloat32 ? "float32" : "as float64") \
      over \(over) -> (\(kept.joined(separator: ", ")))
      floe: plan: \(plan.unitCount) units of \(plan.unitExtent.map(String.init).joined(separator: " x ")) \
      (\(MemorySize.format(sizing.unitBytes))) in \(plan.tileCount) tile(s); \(workers) worker(s); \
      about \(sizing.supersteps) supersteps of up to \(sizing.unitsPerWorker) unit(s) per worker; \
      \(MemorySize.format(sizing.unitsPerWorker * sizing.unitBytes)) read per worker per superstep
      floe: plan: memory per rank \(MemorySize.format(sizing.bytesPerRank)) of \
      --memory-per-rank \(MemorySize(bytes: budgetBytes))
      """
  }
}
