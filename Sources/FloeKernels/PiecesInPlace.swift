/// The built-in reducers that fold a unit's pieces straight into the unit's partial
/// (`ReducesPiecesInPlace`): each folds the piece into the fields at its points, starting
/// from a fresh partial's values, exactly as it would fold the piece into a fresh partial.

extension SumReducer: ReducesPiecesInPlace {
  public func unsetPartial(points: Int, piecesLike piece: Block) -> Partial? {
    Partial(unsetPoints: points, fields: fieldsPerPoint)
  }

  public func accumulate(
    _ piece: Block, into partial: inout Partial, atPoint first: Int, continuing: Bool
  ) {
    let withSum = finish != .count
    partial.withFields(at: first..<(first + piece.points)) {
      foldSums(piece, fresh: !continuing, count: $0[0], sum: withSum ? $0[1] : nil)
    }
  }
}

extension MomentsReducer: ReducesPiecesInPlace {
  public func unsetPartial(points: Int, piecesLike piece: Block) -> Partial? {
    Partial(unsetPoints: points, fields: fieldsPerPoint)
  }

  public func accumulate(
    _ piece: Block, into partial: inout Partial, atPoint first: Int, continuing: Bool
  ) {
    // Mean and M2 do not continue with more steps: a unit's steps come in one block.
    precondition(!continuing, "the moments of a point are folded from all its steps at once")
    partial.withFields(at: first..<(first + piece.points)) { foldMoments(piece, fresh: true, $0) }
  }
}

extension ExtremeReducer: ReducesPiecesInPlace {
  public func unsetPartial(points: Int, piecesLike piece: Block) -> Partial? {
    Partial(unsetPoints: points, fields: fieldsPerPoint)
  }

  public func accumulate(
    _ piece: Block, into partial: inout Partial, atPoint first: Int, continuing: Bool
  ) {
    let start = largest ? -Double.infinity : Double.infinity
    partial.withFields(at: first..<(first + piece.points)) { f in
      if !continuing {
        f[0].update(repeating: 0)
        f[1].update(repeating: start)
      }
      foldExtremes(piece, count: f[0], best: f[1])
    }
  }
}

extension GroupedReducer: ReducesPiecesInPlace {
  /// One slot per group of the piece's steps, as the base's unset partial; nil if the base
  /// cannot fold in place, or a group comes back within the unit and the base cannot
  /// continue a fold.
  public func unsetPartial(points: Int, piecesLike piece: Block) -> Partial? {
    guard let inPlace = base as? any ReducesPiecesInPlace else { return nil }
    var slots: [Int: Partial] = [:]
    var usable = true
    forEachRun(of: piece) { group, run in
      if slots[group] != nil {
        usable = usable && base.accumulatesInPieces
      } else if let slot = inPlace.unsetPartial(points: points, piecesLike: run) {
        slots[group] = slot
      } else {
        usable = false
      }
    }
    guard usable else { return nil }
    let groups = slots.keys.sorted()
    return Partial(points: points, groups: groups, slots: groups.map { slots[$0]! })
  }

  public func accumulate(
    _ piece: Block, into partial: inout Partial, atPoint first: Int, continuing: Bool
  ) {
    let inPlace = base as! any ReducesPiecesInPlace
    var folded: Set<Int> = []
    forEachRun(of: piece) { group, run in
      let i = partial.groups!.firstIndex(of: group)!
      inPlace.accumulate(
        run, into: &partial.slots[i], atPoint: first,
        continuing: continuing || folded.contains(group))
      folded.insert(group)
    }
  }
}
