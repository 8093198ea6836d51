/// A reduction Floe can run on its scheduler: the built-in operations and your own.
///
/// The runtime's contract, which makes every result independent of the number of ranks,
/// of which rank does which unit and of the superstep size:
/// - `accumulate` is called once per unit, on a fresh partial from `makePartial`, with that
///   unit's whole block (or, if `accumulatesInPieces`, with consecutive pieces of it; or, if
///   `pointsAreIndependent`, once per piece of its points); the block's values come in
///   row-major order.
/// - `merge` combines the partials of neighbouring unit ranges (`left` holds the earlier
///   units) along a fixed binary tree over unit numbers, the same tree for every run.
/// - `finalize` turns each tile's root partial into output values.
/// So a reducer whose three functions are deterministic gives byte-identical output.
///
/// A custom reducer, the range (max - min) of each point over the reduced dimensions:
/// ```swift
/// struct Range: Reducer {
///   var fieldsPerPoint: Int { 3 }  // count, min, max
///   func accumulate(_ block: Block, into partial: inout Partial) { ... }
///   func merge(_ right: Partial, into left: inout Partial) { ... }
///   func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) { ... }
/// }
/// ```
public protocol Reducer: Sendable {
  /// A short name for messages and `cell_methods` ("mean", "standard_deviation", ...).
  var name: String { get }
  /// Doubles of state per output point.
  var fieldsPerPoint: Int { get }
  /// For a grouped reduction (a monthly climatology), the number of groups: the result has
  /// one value per group and point, along a new leading output dimension. nil otherwise.
  var groups: Int? { get }
  /// Whether `accumulate` may take a unit's block in consecutive pieces along its first
  /// dimension of more than one index, into the same partial, with the same partial bit for
  /// bit: it folds each point's values in order, continuing from what the partial holds.
  /// The runtime then streams a unit through a small buffer that stays in cache. The
  /// default is false: one call per unit, on a fresh partial.
  var accumulatesInPieces: Bool { get }
  /// Whether each output point's partial depends on that point's values only (a time mean;
  /// a field mean, whose point is one step's field), with the same number of fields for any
  /// set of points: then the runtime may cut a unit along its kept dimensions, reduce each
  /// piece into a fresh partial and place the pieces' partials side by side — the whole
  /// block's partial bit for bit.
  /// The default is false.
  var pointsAreIndependent: Bool { get }
  /// Whether `merge` is the element-wise sum of the two partials (`Partial.add`), so that
  /// the tree may add the smaller partial into the larger, whichever side it is on (a
  /// grouped partial's groups differ from node to node). The default is false.
  var mergesByAdding: Bool { get }
  /// A fresh partial for `points` output points. The default is all zeros.
  func makePartial(points: Int) -> Partial
  /// Folds one unit's block into `partial`, which is fresh.
  func accumulate(_ block: Block, into partial: inout Partial)
  /// Folds `right` (later units) into `left` (earlier units).
  func merge(_ right: Partial, into left: inout Partial)
  /// Writes each point's result into `output` (group-major for a grouped reduction); NaN
  /// marks a point with no valid input, which the output file stores as its fill value.
  func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>)
  /// Called on each unit's finished partial before it is merged: may shrink it for the
  /// merges and the exchange (the sums hold a count that is the same at every point once,
  /// `Partial.holdField0OnceIfSame`), as long as `merge` and `finalize` give the same values
  /// bit for bit. The default leaves the partial as it is.
  func compact(_ partial: inout Partial)
}

extension Reducer {
  public func makePartial(points: Int) -> Partial {
    Partial(points: points, fields: fieldsPerPoint)
  }
  public var groups: Int? { nil }
  public var accumulatesInPieces: Bool { false }
  public var pointsAreIndependent: Bool { false }
  public var mergesByAdding: Bool { false }
  public func compact(_ partial: inout Partial) {}
}

/// A reducer whose points are independent that folds a piece of a unit's points straight
/// into the unit's partial, at the piece's points: no partial per piece and no copy of it
/// (for a time mean, zeroing and copying each piece's partial was 5 % of a worker's cycles,
/// for a monthly climatology 9 %). The result is the same bit for bit as placing pieces.
public protocol ReducesPiecesInPlace: Reducer {
  /// The partial of a unit cut into pieces like `piece` (every step of some of its points),
  /// for `points` points, its values not set; nil if this block's pieces cannot be folded
  /// in place (the runtime then places each piece's own partial).
  func unsetPartial(points: Int, piecesLike piece: Block) -> Partial?
  /// Folds `piece` into `partial` at the points `first ..< first + piece.points`. Those
  /// points are not set yet, unless `continuing`: then they hold this unit's earlier steps
  /// (only asked of a reducer that `accumulatesInPieces`).
  func accumulate(
    _ piece: Block, into partial: inout Partial, atPoint first: Int, continuing: Bool)
}

/// A reducer that holds a whole unit's counts once, when no value is missing, without
/// writing them first: `compact` then has nothing to scan or move out (for a time mean of
/// the 6 GB file, 6 MiB of memory traffic for each 25 MiB unit).
public protocol ReducesWholeUnitsCompact: Reducer {
  /// The partial of `block`, a whole unit, as `accumulate` makes it, except that its counts
  /// are held once if no value is missing (as `compact` would hold them); nil where this
  /// cannot be done (the runtime then accumulates).
  func wholePartial(of block: Block) -> Partial?
}

/// A reducer that merges by adding and can add a whole unit straight into a partial: the
/// partial of the unit's sibling in the tree becomes their parent in one pass over the
/// unit, with no partial of the unit's own to write, read back and free (half of a time
/// mean's merges). The result is the same bit for bit as `merge` of the unit's partial.
public protocol AddsWholeUnits: Reducer {
  /// Adds `block`, a whole unit of `partial`'s points, into `partial`; false (and `partial`
  /// untouched) where this cannot be done: the runtime then reduces the unit on its own.
  func add(_ block: Block, into partial: inout Partial) -> Bool
}
