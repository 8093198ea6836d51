/// How finely to cut tiles into bands of the outermost kept dimension (latitude rows of a
/// monthly climatology), so that a worker's merge tree holds small partials.
///
/// A worker holds up to one tree node per level at each end of its range, each the size of
/// the tile's partial: twelve months of sums and counts over a 361 x 720 grid are 48 MiB a
/// node, 200 MiB or more a worker, every page of it fresh memory the kernel must clear (a
/// third of a monthly climatology's time on the 2-core VM of docs/performance.md). In bands,
/// a worker's range covers whole bands and part of one or two, so the nodes it holds are a
/// band's. Only for data whose parts read alone (uncompressed: a compressed chunk would be
/// decoded once per band) and reducers whose points are independent (a band's result is then
/// the same bits as the whole tile's).
public enum TileBands {
  /// A tile whose partial holds more than this is cut into bands (a time mean's 4 MiB over
  /// a 361 x 720 grid is not; a monthly climatology's 48 MiB is).
  public static let partialBytes = 8 << 20

  /// The band for `plan` (planned without bands), or nil to keep whole tiles: at most
  /// `partialBytes` of partial per band, but no read run shorter than
  /// `UnitPieces.shortestRunBytes`, and within the chunks (a band divides the chunk's extent
  /// unless one chunk covers the dimension).
  public static func band(plan: ReductionPlan, fieldsPerPoint: Int, elementSize: Int) -> Int? {
    let extent = plan.unitExtent
    guard let d = ReductionPlan.cutDimension(reduced: plan.reduced, extent: extent) else {
      return nil
    }
    let tileBytes = plan.maxTilePoints * fieldsPerPoint * 8
    guard tileBytes > partialBytes else { return nil }
    let bands = (tileBytes + partialBytes - 1) / partialBytes
    let rowBytes = extent[(d + 1)...].reduce(elementSize, *)
    let shortest = (UnitPieces.shortestRunBytes + rowBytes - 1) / rowBytes
    var rows = Swift.max(shortest, (extent[d] + bands - 1) / bands)
    if plan.shape[d] > extent[d] {
      // Several chunks along the dimension: a band must not cross from one to the next.
      while rows < extent[d] && extent[d] % rows != 0 { rows += 1 }
    }
    return rows < extent[d] ? rows : nil
  }
}
