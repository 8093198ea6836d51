public import FloeKernels

/// How a worker cuts a large unit into pieces that stay in the processor's cache between
/// the read and the reduction (the read's copy then lands in cache, and the kernel reads it
/// from there instead of from memory).
///
/// Two ways, both giving the whole unit's partial bit for bit:
/// - **placed**: along the unit's outermost kept dimension (latitude rows of a time mean),
///   for a reducer whose points are independent. Each piece holds every step of its points,
///   is reduced into its own partial, and that partial is placed at its points in the unit's.
/// - **folded**: along the first dimension of more than one index when it is reduced (time),
///   for a reducer that folds pieces in order into one partial (`accumulatesInPieces`).
///   Each piece streams the whole partial, so this pays only when pieces are much larger
///   than the partial.
public struct UnitPieces: Sendable, Equatable {
  public enum Kind: Sendable { case placed, folded }
  public let kind: Kind
  /// The dimension cut, and the indices of it per piece (the last piece may be shorter).
  public let dimension: Int
  public let length: Int

  /// A placed piece's target size: well inside L2 + L3 (measured on the 0.5-degree grid of
  /// docs/performance.md: 2 to 8 MiB pieces read and reduce alike; 24 MiB whole units are
  /// 15 % slower for a time mean, 7 % for a standard deviation).
  static let placedBytes = 4 << 20
  /// A placed piece reads one run per index of the dimensions before the cut; runs shorter
  /// than this cost more in read calls than the cache saves (23 KB runs were slower).
  static let shortestRunBytes = 64 << 10
  /// A folded piece's smallest size.
  static let foldedBytes = 1 << 20

  /// The pieces for units of `plan`, or nil to read each unit whole.
  public static func choose(
    plan: ReductionPlan, reducer: any Reducer, source: any UnitSource, elementSize: Int
  ) -> UnitPieces? {
    guard source.readsPartsCheaply else { return nil }
    return placed(plan: plan, reducer: reducer, elementSize: elementSize)
      ?? folded(plan: plan, reducer: reducer, elementSize: elementSize)
  }

  static func placed(plan: ReductionPlan, reducer: any Reducer, elementSize: Int) -> UnitPieces? {
    let extent = plan.unitExtent
    let unitBytes = extent.reduce(elementSize, *)
    // The outermost kept dimension of more than one index: a piece's points are then one
    // contiguous range of the unit's points.
    guard reducer.pointsAreIndependent, unitBytes > placedBytes,
      let d = ReductionPlan.cutDimension(reduced: plan.reduced, extent: extent)
    else { return nil }
    // As many pieces as the target size asks for, of equal length (not one short last one).
    let most = Swift.max(1, placedBytes / (unitBytes / extent[d]))
    let count = (extent[d] + most - 1) / most
    let length = (extent[d] + count - 1) / count
    let runBytes = extent[(d + 1)...].reduce(length * elementSize, *)
    guard length < extent[d], runBytes >= shortestRunBytes else { return nil }
    return UnitPieces(kind: .placed, dimension: d, length: length)
  }

  /// Along the first dimension of more than one index, when it is reduced and a kept
  /// dimension comes later (so no run of the block crosses pieces).
  static func folded(plan: ReductionPlan, reducer: any Reducer, elementSize: Int) -> UnitPieces? {
    guard reducer.accumulatesInPieces,
      let d = plan.unitExtent.firstIndex(where: { $0 > 1 }), plan.reduced[d],
      plan.reduced[(d + 1)...].contains(false)
    else { return nil }
    let stepBytes = plan.unitExtent[(d + 1)...].reduce(elementSize, *)
    // Each piece folds into the whole partial: only pieces eight times its size keep that
    // traffic small next to the data.
    let partialBytes = plan.maxTilePoints * reducer.fieldsPerPoint * 8
    let length = Swift.max(1, Swift.max(foldedBytes, 8 * partialBytes) / stepBytes)
    return length < plan.unitExtent[d]
      ? UnitPieces(kind: .folded, dimension: d, length: length) : nil
  }
}
