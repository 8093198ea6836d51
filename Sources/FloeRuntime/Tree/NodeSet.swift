public import FloeKernels

/// Partials of tree nodes, combined eagerly: inserting a node whose sibling is present
/// merges the two (left = even index) into their parent, and so on up. Because each node
/// has one fixed value, the content never depends on the order of insertion.
public struct NodeSet: Sendable {
  public private(set) var nodes: [TreeNode: Partial] = [:]
  let tree: CanonicalTree

  public init(tree: CanonicalTree) { self.tree = tree }

  public var isEmpty: Bool { nodes.isEmpty }
  public var count: Int { nodes.count }
  public var byteCount: Int { nodes.values.reduce(0) { $0 + $1.byteCount } }

  /// Adds the partial of `node`, combining with siblings already here.
  /// Takes `partial` over: merging into it does not copy it.
  public mutating func insert(_ node: TreeNode, _ partial: consuming Partial, reducer: any Reducer)
  {
    var (level, index) = tree.normalize(level: node.level, index: node.index)
    var value = consume partial
    while true {
      let sibling = TreeNode(tile: node.tile, level: level, index: index ^ 1)
      guard var other = nodes.removeValue(forKey: sibling) else { break }
      if reducer.mergesByAdding {
        // Sums commute bit for bit (a + b == b + a): add the smaller partial into the
        // larger, in place, whichever side it is on (a grouped partial's months differ).
        if other.byteCount > value.byteCount { swap(&value, &other) }
        reducer.merge(other, into: &value)
      } else if index % 2 == 0 {
        reducer.merge(other, into: &value)
      } else {
        reducer.merge(value, into: &other)
        value = other
      }
      (level, index) = tree.normalize(level: level + 1, index: index / 2)
    }
    let key = TreeNode(tile: node.tile, level: level, index: index)
    precondition(nodes[key] == nil, "node \(key) computed twice: units were given out twice")
    nodes[key] = value
  }

  /// Adds `block`, the whole unit of leaf `leaf`, straight into its sibling's partial where
  /// the set holds it and `reducer` can (`AddsWholeUnits`): the sum is their parent, merged
  /// on up as `insert` merges. False, and the set as it was, where not.
  public mutating func addUnit(
    _ block: Block, at leaf: TreeNode, reducer: any AddsWholeUnits
  ) -> Bool {
    let (level, index) = tree.normalize(level: leaf.level, index: leaf.index)
    let sibling = TreeNode(tile: leaf.tile, level: level, index: index ^ 1)
    // Out of the set, the only reference: added into in place.
    guard var partial = nodes.removeValue(forKey: sibling) else { return false }
    guard reducer.add(block, into: &partial) else {
      nodes[sibling] = partial
      return false
    }
    let parent = TreeNode(tile: leaf.tile, level: level + 1, index: index / 2)
    insert(parent, consume partial, reducer: reducer)
    return true
  }

  /// Adds every node of `other`, in canonical order. Takes `other` over: each partial is
  /// moved out, not shared, so merging into it does not copy it.
  public mutating func merge(_ other: consuming NodeSet, reducer: any Reducer) {
    var pending = consume other
    for node in pending.nodes.keys.sorted() {
      insert(node, pending.nodes.removeValue(forKey: node)!, reducer: reducer)
    }
  }

  /// The whole tile's partial, once every unit of `tile` has been merged in.
  public func root(ofTile tile: Int) -> Partial? {
    nodes[TreeNode(tile: tile, level: tree.root.level, index: tree.root.index)]
  }

  /// Takes out the whole tile's partial, if complete.
  public mutating func removeRoot(ofTile tile: Int) -> Partial? {
    nodes.removeValue(forKey: TreeNode(tile: tile, level: tree.root.level, index: tree.root.index))
  }

  // MARK: As bytes (checkpoints) and as messages (the exchange)

  /// The nodes as bytes: their layout (`encodeLayout`), then every partial's stored doubles
  /// (`storedValues`), one array after the other.
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    encodeLayout(into: &out)
    for values in storedValues { values.withUnsafeBytes { out.append(contentsOf: $0) } }
    return out
  }

  /// The nodes without their values, into `out` (replacing what it held but keeping its
  /// memory): count, then per node tile, level, index, points, fields, the number of groups
  /// held (-1: not grouped) and the groups, and per partial (a grouped partial's slots one
  /// after the other) field 0's value if held once, NaN if per point. In node order.
  public func encodeLayout(into out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    func put(_ x: Int) { withUnsafeBytes(of: Int64(x).littleEndian) { out.append(contentsOf: $0) } }
    put(nodes.count)
    for (node, partial) in sortedNodes {
      put(node.tile)
      put(node.level)
      put(node.index)
      put(partial.points)
      put(partial.fields)
      put(partial.groups?.count ?? -1)
      for g in partial.groups ?? [] { put(g) }
      for part in partial.parts {
        put(Int(bitPattern: UInt((part.sameField0 ?? .nan).bitPattern)))
      }
    }
  }

  /// Every partial's stored doubles, in the layout's order: the exchange sends each array as
  /// it is, a message of its own, instead of copying them all into one.
  public var storedValues: [[Double]] { sortedNodes.flatMap { $0.value.parts.map(\.storage) } }

  private var sortedNodes: [(key: TreeNode, value: Partial)] {
    nodes.sorted(by: { $0.key < $1.key })
  }

  /// Reads what `encoded` wrote.
  public init(decoding bytes: [UInt8], tree: CanonicalTree) {
    self.init(decoding: bytes[...], tree: tree)
  }

  /// Reads what `encoded` wrote, from the start of `bytes`.
  public init(decoding bytes: ArraySlice<UInt8>, tree: CanonicalTree) {
    let (layout, end) = Self.readLayout(bytes)
    var offset = end
    self.init(layout: layout, tree: tree) { count in
      defer { offset += count * 8 }
      return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
        UnsafeMutableRawBufferPointer(buffer).copyBytes(from: bytes[offset..<(offset + count * 8)])
        initialized = count
      }
    }
  }

  /// Reads a layout (`encodeLayout`) from the start of `layout`, and takes every partial's
  /// stored doubles at once from `values`, called with how many each holds, in the layout's
  /// order (the exchange receives them all together).
  public init(
    layout bytes: ArraySlice<UInt8>, tree: CanonicalTree, values: ([Int]) throws -> [[Double]]
  ) rethrows {
    let layout = Self.readLayout(bytes).nodes
    let counts = layout.flatMap(\.storedCounts)
    var arrays = try values(counts)[...]
    precondition(arrays.count == counts.count, "\(arrays.count) arrays for \(counts.count)")
    self.init(layout: layout, tree: tree) { _ in arrays.popFirst()! }
  }

  /// Merges nodes that arrive as their layout (`encodeLayout`) and then one message per
  /// partial array, in the layout's order (`storedValues`; empty arrays are not sent), each
  /// taken by `receive` into the array it is handed (grown if short; it returns the count).
  /// For a reducer that merges by adding, an array whose node's sibling is here and holds the
  /// same group is taken into `scratch`, reused from array to array, and added into the
  /// sibling's at once (sums commute bit for bit): only the arrays that stay take memory of
  /// their own. The nodes are those of `merge(NodeSet(layout:...))`, bit for bit.
  public mutating func merge(
    arriving layout: ArraySlice<UInt8>, reducer: any Reducer, scratch: inout [Double],
    receive: (inout [Double]) throws -> Int
  ) throws {
    func take(_ count: Int, into array: inout [Double]) throws {
      let n = try receive(&array)
      guard n == count else { throw ArrivalError(count: n, expected: count) }
    }
    for entry in Self.readLayout(layout).nodes {
      let (level, index) = tree.normalize(level: entry.node.level, index: entry.node.index)
      precondition(
        nodes[TreeNode(tile: entry.node.tile, level: level, index: index)] == nil,
        "node \(entry.node) computed twice: units were given out twice")
      let sibling = TreeNode(tile: entry.node.tile, level: level, index: index ^ 1)
      guard reducer.mergesByAdding, var target = nodes.removeValue(forKey: sibling) else {
        // Nothing here to add it into: it keeps arrays of its own.
        let partial = try entry.partial { count in
          var array: [Double] = []
          if count > 0 { try take(count, into: &array) }
          return array
        }
        insert(entry.node, partial, reducer: reducer)
        continue
      }
      for (p, (field0, count)) in zip(entry.sameField0, entry.storedCounts).enumerated() {
        let group = entry.groups?[p]
        let shared = count > 0 && (group.map { target.groups?.contains($0) ?? false } ?? true)
        var storage: [Double] = []
        // The scratch's length before it is cut to this array (restored after).
        var scratchLength = 0
        if shared {
          try take(count, into: &scratch)
          scratchLength = scratch.count
          swap(&storage, &scratch)
          storage.removeLast(scratchLength - count)
        } else if count > 0 {
          try take(count, into: &storage)
        }
        var part = Partial(
          points: entry.points, fields: entry.partFields, storage: storage,
          sameField0: field0)
        storage = []
        if let group { part = Partial(points: entry.points, groups: [group], slots: [part]) }
        reducer.merge(part, into: &target)
        if shared {
          // The buffer back, its only reference once `part` is gone.
          scratch = group == nil ? part.storage : part.slots[0].storage
          part = Partial(points: 0, fields: 0, storage: [])
          scratch.append(contentsOf: repeatElement(0, count: scratchLength - count))
        }
      }
      insert(
        TreeNode(tile: entry.node.tile, level: level + 1, index: index / 2), target,
        reducer: reducer)
    }
  }

  /// A node of a layout, without its values.
  private struct NodeLayout {
    var node: TreeNode
    var points: Int
    var fields: Int
    var groups: [Int]?
    /// Per partial (per slot of a grouped one): field 0's value if held once.
    var sameField0: [Double?]

    /// Fields per partial: slots of equal fields, one per group.
    var partFields: Int { groups.map { $0.isEmpty ? 0 : fields / $0.count } ?? fields }

    /// Doubles stored per partial, in order (field 0 held once is not stored).
    var storedCounts: [Int] {
      sameField0.map { points * ($0 == nil ? partFields : partFields - 1) }
    }

    /// The node's partial, its arrays taken from `values` in order (called with each count).
    func partial(values: (Int) throws -> [Double]) rethrows -> Partial {
      let parts = try zip(sameField0, storedCounts).map { field0, count in
        Partial(points: points, fields: partFields, storage: try values(count), sameField0: field0)
      }
      return groups.map { Partial(points: points, groups: $0, slots: parts) } ?? parts[0]
    }
  }

  private init(layout: [NodeLayout], tree: CanonicalTree, values: (Int) throws -> [Double])
    rethrows
  {
    self.tree = tree
    for entry in layout { nodes[entry.node] = try entry.partial(values: values) }
  }

  /// The layout at the start of `bytes`, and where it ends.
  private static func readLayout(_ bytes: ArraySlice<UInt8>) -> (nodes: [NodeLayout], end: Int) {
    var offset = bytes.startIndex
    func take() -> Int {
      var v: Int64 = 0
      withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + 8)]) }
      offset += 8
      return Int(Int64(littleEndian: v))
    }
    let n = take()
    var layout: [NodeLayout] = []
    for _ in 0..<n {
      let node = TreeNode(tile: take(), level: take(), index: take())
      let points = take()
      let fields = take()
      let groupCount = take()
      let groups = groupCount < 0 ? nil : (0..<groupCount).map { _ in take() }
      let sameField0 = (0..<(groups?.count ?? 1)).map { _ -> Double? in
        let field0 = Double(bitPattern: UInt64(UInt(bitPattern: take())))
        return field0.isNaN ? nil : field0
      }
      layout.append(
        NodeLayout(
          node: node, points: points, fields: fields, groups: groups, sameField0: sameField0))
    }
    return (layout, offset)
  }
}

/// An array of the exchange whose length is not the one its node's layout gives.
public struct ArrivalError: Error, CustomStringConvertible {
  public var count: Int
  public var expected: Int
  public var description: String {
    "a node's array arrived with \(count) values where its layout says \(expected)"
  }
}
