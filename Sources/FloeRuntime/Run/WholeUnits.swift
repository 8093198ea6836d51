public import FloeKernels

/// How a worker reduces a unit it has whole in memory (mapped from the file's pages, no
/// pieces) and puts it in its node set: added straight into its sibling's partial where the
/// set holds it, else into a partial of its own (counts held once where it can). Shared by
/// the worker and `floe-kernel-benchmark --mapped`, whose floor must be the worker's code.
public struct WholeUnits {
  let reducer: any Reducer
  /// The reducer, if it folds placed pieces straight into the unit's partial.
  let inPlace: (any ReducesPiecesInPlace)?
  /// The reducer, if it merges by adding and adds a whole unit straight into a partial.
  let addsUnits: (any AddsWholeUnits)?
  /// The reducer, if it holds a whole unit's counts once without writing them.
  let compactWhole: (any ReducesWholeUnitsCompact)?
  /// Whether the last unit's partial held its counts once (no missing values). If not, the
  /// next is reduced the ordinary way: a compact partial of input with missing values
  /// would be one more copy, and such input tends to go on having them.
  private var lastUnitHadNoMissing = true

  public init(reducer: any Reducer) {
    self.reducer = reducer
    inPlace = reducer as? any ReducesPiecesInPlace
    compactWhole = reducer as? any ReducesWholeUnitsCompact
    addsUnits = reducer.mergesByAdding ? reducer as? any AddsWholeUnits : nil
  }

  /// Adds `block`, leaf `leaf`'s whole unit, into its sibling's partial in `nodes` (true),
  /// or reduces it into a partial of its own for `insert` (false, with the partial).
  public mutating func reduce(_ block: Block, leaf: TreeNode, into nodes: inout NodeSet)
    -> Partial?
  {
    if let addsUnits, nodes.addUnit(block, at: leaf, reducer: addsUnits) { return nil }
    if lastUnitHadNoMissing, let compactWhole, let partial = compactWhole.wholePartial(of: block) {
      return partial
    }
    if let inPlace, var partial = inPlace.unsetPartial(points: block.points, piecesLike: block) {
      inPlace.accumulate(block, into: &partial, atPoint: 0, continuing: false)
      return partial
    }
    var partial = reducer.makePartial(points: block.points)
    reducer.accumulate(block, into: &partial)
    return partial
  }

  /// Puts a unit's partial (from `reduce`, or read piece by piece) into `nodes` as leaf
  /// `leaf`, compacted, merging it up the tree.
  public mutating func insert(_ partial: consuming Partial, leaf: TreeNode, into nodes: inout NodeSet) {
    var partial = partial
    reducer.compact(&partial)
    if compactWhole != nil { lastUnitHadNoMissing = partial.sameField0 != nil }
    nodes.insert(leaf, consume partial, reducer: reducer)
  }
}
