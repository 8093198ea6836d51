/// The fixed binary tree along which a tile's unit partials are merged, whoever computed them.
///
/// Node (level l, index k) covers units `k * 2^l ..< (k + 1) * 2^l` of the tile (cut at the
/// tile's unit count). Its value is merge(left child, right child), with the left child
/// always holding the earlier units; a node whose right child would cover no unit *is* its
/// left child. Every node therefore has one value, fixed by the units it covers, and any
/// rank holding two siblings may combine them: the result never depends on who held what.
public struct CanonicalTree: Sendable, Equatable {
  /// Units in the tile.
  public let leaves: Int
  /// Levels above the leaves: ceil(log2(leaves)).
  public let height: Int

  public init(leaves: Int) {
    precondition(leaves > 0)
    self.leaves = leaves
    var h = 0
    while (1 << h) < leaves { h += 1 }
    height = h
  }

  /// The highest node with the same value: climbs while the right sibling covers no unit.
  public func normalize(level: Int, index: Int) -> (level: Int, index: Int) {
    var l = level
    var k = index
    while l < height && k % 2 == 0 && (k + 1) << l >= leaves {
      l += 1
      k /= 2
    }
    return (l, k)
  }

  /// The root: the node covering the whole tile.
  public var root: (level: Int, index: Int) { (height, 0) }

  /// How many nodes at most a contiguous range of units decomposes into.
  public var maxNodesPerRange: Int { 2 * height + 1 }
}

/// A node of one tile's tree.
public struct TreeNode: Hashable, Sendable, Comparable {
  public var tile: Int
  public var level: Int
  public var index: Int

  public init(tile: Int, level: Int, index: Int) {
    self.tile = tile
    self.level = level
    self.index = index
  }

  public static func < (a: TreeNode, b: TreeNode) -> Bool {
    (a.tile, a.level, a.index) < (b.tile, b.level, b.index)
  }
}
