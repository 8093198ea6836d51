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

  // MARK: Bytes on the wire

  /// The nodes as bytes: count, then per node tile, level, index, points, fields, the
  /// number of groups held (-1: not grouped) and the groups, then the partial (a grouped
  /// partial's slots one after the other): field 0's value if held once (NaN if per point)
  /// and its stored doubles, in node order.
  public func encoded() -> [UInt8] {
    var out: [UInt8] = []
    encode(into: &out)
    return out
  }

  /// The same into `out`, replacing what it held but keeping its memory: a send buffer kept
  /// from superstep to superstep costs no fresh pages.
  public func encode(into out: inout [UInt8]) {
    out.removeAll(keepingCapacity: true)
    out.reserveCapacity(8 + nodes.count * 48 + byteCount)
    func put(_ x: Int) { withUnsafeBytes(of: Int64(x).littleEndian) { out.append(contentsOf: $0) } }
    put(nodes.count)
    for (node, partial) in nodes.sorted(by: { $0.key < $1.key }) {
      put(node.tile)
      put(node.level)
      put(node.index)
      put(partial.points)
      put(partial.fields)
      put(partial.groups?.count ?? -1)
      for g in partial.groups ?? [] { put(g) }
      for part in partial.parts {
        put(Int(bitPattern: UInt((part.sameField0 ?? .nan).bitPattern)))
        part.storage.withUnsafeBytes { out.append(contentsOf: $0) }
      }
    }
  }

  /// Reads what `encoded` wrote.
  public init(decoding bytes: [UInt8], tree: CanonicalTree) {
    self.init(decoding: bytes[...], tree: tree)
  }

  /// Reads what `encoded` wrote, from the start of `bytes`.
  public init(decoding bytes: ArraySlice<UInt8>, tree: CanonicalTree) {
    self.tree = tree
    var offset = bytes.startIndex
    func take() -> Int {
      var v: Int64 = 0
      withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[offset..<(offset + 8)]) }
      offset += 8
      return Int(Int64(littleEndian: v))
    }
    let n = take()
    for _ in 0..<n {
      let node = TreeNode(tile: take(), level: take(), index: take())
      let points = take()
      let fields = take()
      let groupCount = take()
      let groups = groupCount < 0 ? nil : (0..<groupCount).map { _ in take() }
      func doubles(_ count: Int) -> [Double] {
        defer { offset += count * 8 }
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
          UnsafeMutableRawBufferPointer(buffer).copyBytes(
            from: bytes[offset..<(offset + count * 8)])
          initialized = count
        }
      }
      func part(fields: Int) -> Partial {
        let field0 = Double(bitPattern: UInt64(UInt(bitPattern: take())))
        let sameField0: Double? = field0.isNaN ? nil : field0
        let stored = sameField0 == nil ? fields : fields - 1
        return Partial(
          points: points, fields: fields, storage: doubles(points * stored), sameField0: sameField0
        )
      }
      if let groups {
        // Slots of equal fields, one per group, one after the other.
        let slotFields = groups.isEmpty ? 0 : fields / groups.count
        let slots = groups.map { _ in part(fields: slotFields) }
        nodes[node] = Partial(points: points, groups: groups, slots: slots)
      } else {
        nodes[node] = part(fields: fields)
      }
    }
  }
}
