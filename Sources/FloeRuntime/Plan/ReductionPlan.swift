/// How a reduction is cut into work: pure arithmetic over ranges, never an object per unit,
/// so ten million units plan in microseconds and in memory that does not grow with them.
///
/// Output *tiles* partition the kept dimensions along storage-chunk boundaries; each tile is
/// an independent reduction. A tile's *units* partition the reduced dimensions along chunk
/// boundaries (several chunks of the first reduced dimension per unit where chunks are
/// small). A unit is one rectangular, chunk-aligned block of the input: one read. Tiles may
/// be cut finer than chunks into *bands* along the outermost kept dimension (`TileBands`), so
/// that a tile's merge tree holds smaller partials; a unit is then the band's part of its
/// chunks, and the units along the reduced dimensions, so the tree and the bits of every
/// point's result, stay those of the whole tile. Units are
/// numbered tile by tile (tiles in row-major order), and within a tile in row-major order
/// of the reduced dimensions: the canonical order.
public struct ReductionPlan: Sendable, Equatable {
  /// The variable's shape.
  public let shape: [Int]
  /// Per dimension: reduced (true) or kept (false).
  public let reduced: [Bool]
  /// The storage chunk shape (for contiguous data: one index along the first dimension).
  public let chunks: [Int]
  /// A unit's extent along every dimension (the last unit along a dimension may be shorter).
  public let unitExtent: [Int]

  /// Tiles along each kept dimension, units along each reduced dimension (1 for the others).
  public let tileGrid: [Int]
  public let unitGrid: [Int]

  /// Plans a reduction of `shape` over the `reduced` dimensions, with units of about
  /// `targetUnitElements` elements where chunks are smaller than that, and tiles cut into
  /// bands of `band` indices along the outermost kept dimension of more than one index.
  public init(
    shape: [Int], reduced: [Bool], chunks: [Int]?, targetUnitElements: Int, band: Int? = nil
  ) {
    precondition(shape.count == reduced.count && shape.allSatisfy { $0 > 0 })
    self.shape = shape
    self.reduced = reduced
    let chunks = chunks ?? shape.enumerated().map { $0.offset == 0 ? 1 : $0.element }
    self.chunks = chunks
    var extent = zip(chunks, shape).map { Swift.min($0, $1) }
    // Group chunks along the first reduced dimension until a unit reaches the target.
    if let first = reduced.firstIndex(of: true) {
      let chunkElements = extent.reduce(1, *)
      let group = Swift.max(1, targetUnitElements / Swift.max(chunkElements, 1))
      extent[first] = Swift.min(shape[first], extent[first] * group)
    }
    if let band, let d = Self.cutDimension(reduced: reduced, extent: extent) {
      precondition(band > 0)
      extent[d] = Swift.min(extent[d], band)
    }
    unitExtent = extent
    tileGrid = (0..<shape.count).map { reduced[$0] ? 1 : (shape[$0] + extent[$0] - 1) / extent[$0] }
    unitGrid = (0..<shape.count).map { reduced[$0] ? (shape[$0] + extent[$0] - 1) / extent[$0] : 1 }
  }

  /// The dimension that bands and placed pieces (`UnitPieces`) cut: the outermost kept one
  /// of more than one index per tile.
  public static func cutDimension(reduced: [Bool], extent: [Int]) -> Int? {
    extent.indices.first { !reduced[$0] && extent[$0] > 1 }
  }

  public var tileCount: Int { tileGrid.reduce(1, *) }
  public var unitsPerTile: Int { unitGrid.reduce(1, *) }
  public var unitCount: Int { tileCount * unitsPerTile }
  /// The output's shape: the kept dimensions.
  public var outputShape: [Int] { zip(shape, reduced).filter { !$0.1 }.map(\.0) }
  /// Elements in the largest unit.
  public var maxUnitElements: Int {
    zip(unitExtent, reduced).reduce(1) { $0 * $1.0 }
  }
  /// Output points in the largest tile.
  public var maxTilePoints: Int {
    zip(unitExtent, reduced).reduce(1) { $0 * ($1.1 ? 1 : $1.0) }
  }

  /// The tile that unit `u` belongs to, and its position within the tile.
  public func locate(unit u: Int) -> (tile: Int, local: Int) {
    (u / unitsPerTile, u % unitsPerTile)
  }

  /// The input block of unit `u`: its first element and extent in every dimension.
  public func block(ofUnit u: Int) -> (start: [Int], count: [Int]) {
    let (tile, local) = locate(unit: u)
    var tileRest = tile
    var unitRest = local
    var start = [Int](repeating: 0, count: shape.count)
    // Row-major decomposition: the last dimension varies fastest.
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      let position: Int
      if reduced[d] {
        position = unitRest % unitGrid[d]
        unitRest /= unitGrid[d]
      } else {
        position = tileRest % tileGrid[d]
        tileRest /= tileGrid[d]
      }
      start[d] = position * unitExtent[d]
    }
    let count = (0..<shape.count).map { Swift.min(unitExtent[$0], shape[$0] - start[$0]) }
    return (start, count)
  }

  /// The output block of tile `t` within the output (kept dimensions only).
  public func outputBlock(ofTile t: Int) -> (start: [Int], count: [Int]) {
    let (start, count) = block(ofUnit: t * unitsPerTile)
    let kept = reduced.indices.filter { !reduced[$0] }
    return (kept.map { start[$0] }, kept.map { count[$0] })
  }
}
