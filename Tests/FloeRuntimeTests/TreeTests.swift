import FloeKernels
import FloeRuntime
import XCTest

/// The canonical tree gives one value whoever merges what, in whatever order.
final class TreeTests: XCTestCase {
  /// A deliberately non-associative merge: any change of grouping changes the bits.
  struct Lopsided: Reducer {
    var name: String { "lopsided" }
    var fieldsPerPoint: Int { 1 }
    func accumulate(_ block: Block, into partial: inout Partial) {}
    func merge(_ right: Partial, into left: inout Partial) {
      left.storage[0] = left.storage[0] * 0.5 + right.storage[0] * 0.25 + 1
    }
    func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
      output[0] = partial.storage[0]
    }
  }

  func leaf(_ u: Int) -> Partial { Partial(points: 1, fields: 1, storage: [Double(u) * 1.1 + 0.3]) }

  /// The definition: merge(left half, right half) over aligned power-of-two halves.
  func reference(_ range: Range<Int>, leaves: Int) -> Partial? {
    if range.lowerBound >= leaves { return nil }
    if range.count == 1 { return leaf(range.lowerBound) }
    let mid = range.lowerBound + range.count / 2
    guard var left = reference(range.lowerBound..<mid, leaves: leaves) else { return nil }
    if let right = reference(mid..<range.upperBound, leaves: leaves) {
      Lopsided().merge(right, into: &left)
    }
    return left
  }

  func testAnyOrderAndAnyPartitionGiveTheDefinitionsBits() {
    var generator = SystemRandomNumberGenerator()
    for leaves in [1, 2, 3, 5, 8, 13, 64, 100] {
      let tree = CanonicalTree(leaves: leaves)
      let want = reference(0..<(1 << tree.height), leaves: leaves)!
      // Leaves in a random order, one set.
      var set = NodeSet(tree: tree)
      for u in (0..<leaves).shuffled(using: &generator) {
        set.insert(TreeNode(tile: 0, level: 0, index: u), leaf(u), reducer: Lopsided())
      }
      XCTAssertEqual(set.root(ofTile: 0), want, "leaves \(leaves) shuffled")
      XCTAssertEqual(set.count, 1)
      // Random contiguous ranges, each built in order, shipped as bytes, merged in random order.
      for _ in 0..<20 {
        var cuts = Set([0, leaves])
        for _ in 0..<Int.random(in: 0...5, using: &generator) {
          cuts.insert(Int.random(in: 0...leaves, using: &generator))
        }
        let bounds = cuts.sorted()
        var parts: [NodeSet] = []
        for (a, b) in zip(bounds, bounds.dropFirst()) where a < b {
          var part = NodeSet(tree: tree)
          for u in a..<b {
            part.insert(TreeNode(tile: 0, level: 0, index: u), leaf(u), reducer: Lopsided())
          }
          XCTAssertLessThanOrEqual(part.count, tree.maxNodesPerRange)
          parts.append(NodeSet(decoding: part.encoded(), tree: tree))
        }
        var total = NodeSet(tree: tree)
        for part in parts.shuffled(using: &generator) { total.merge(part, reducer: Lopsided()) }
        XCTAssertEqual(total.root(ofTile: 0), want, "leaves \(leaves) cuts \(bounds)")
      }
    }
  }

  /// The memory model's frontier (docs/runtime.md): units merged in order, up to any point
  /// n, leave one node per set binary digit of n, so at most one per level below the root.
  func testAPrefixOfTheUnitsLeavesOneNodePerLevel() {
    for leaves in [1, 5, 13, 100, 250] {
      let tree = CanonicalTree(leaves: leaves)
      var set = NodeSet(tree: tree)
      for u in 0..<leaves {
        set.insert(TreeNode(tile: 0, level: 0, index: u), leaf(u), reducer: Lopsided())
        let n = u + 1
        if n == leaves {
          XCTAssertEqual(set.nodes.keys.map(\.level), [tree.height], "leaves \(leaves): the root")
        } else {
          let levels = set.nodes.keys.map(\.level).sorted()
          XCTAssertEqual(
            levels, (0..<tree.height).filter { n & (1 << $0) != 0 }, "leaves \(leaves), n \(n)")
        }
      }
    }
  }

  func testNormalizationClimbsOverEmptyRightSiblings() {
    let tree = CanonicalTree(leaves: 5)  // height 3: leaves 0..7, only 0..4 exist
    XCTAssertEqual(tree.height, 3)
    XCTAssertTrue(tree.normalize(level: 0, index: 4) == (2, 1))
    XCTAssertTrue(tree.normalize(level: 0, index: 3) == (0, 3))
    XCTAssertTrue(tree.normalize(level: 1, index: 1) == (1, 1))
  }

  /// Nodes come back from their bytes as they were: per point or with field 0 held once,
  /// grouped slots of either kind side by side.
  func testNodesRoundTripThroughTheirBytes() {
    let tree = CanonicalTree(leaves: 4)
    let perPoint = Partial(points: 2, fields: 2, storage: [1, 2, 3.5, -0.0])
    let heldOnce = Partial(points: 2, fields: 2, storage: [7.25, 8], sameField0: 3)
    var set = NodeSet(tree: tree)
    set.insert(TreeNode(tile: 0, level: 0, index: 0), perPoint, reducer: Lopsided())
    set.insert(TreeNode(tile: 0, level: 0, index: 2), heldOnce, reducer: Lopsided())
    set.insert(
      TreeNode(tile: 1, level: 0, index: 0),
      Partial(points: 2, groups: [2, 5], slots: [heldOnce, perPoint]), reducer: Lopsided())
    let decoded = NodeSet(decoding: set.encoded(), tree: tree)
    XCTAssertEqual(decoded.nodes, set.nodes)
    XCTAssertEqual(decoded.nodes[TreeNode(tile: 0, level: 0, index: 2)]?.sameField0, 3)
  }

  /// Nodes merged as they arrive (their arrays through one reused buffer, added into the
  /// sibling here) are those of decoding the message and merging it, byte for byte: sums
  /// and monthly sums, counts per point or held once, after one, two or three arrivals.
  func testNodesMergedOnArrivalAreThoseOfTheMessage() throws {
    var state: UInt64 = 11
    func random() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53) * 1e3 - 300
    }
    let points = 3
    let mean = Statistic.mean.reducer
    let monthly = GroupedReducer(
      base: mean, groupOfIndex: [Int32](repeating: 0, count: 1), groupCount: 4)
    func part(_ u: Int) -> Partial {
      u % 5 == 0
        ? Partial(
          points: points, fields: 2, storage: (0..<points).map { _ in random() },
          sameField0: Double(u % 7 + 1))
        : Partial(points: points, fields: 2, storage: (0..<(2 * points)).map { _ in random() })
    }
    func leaf(_ u: Int, grouped: Bool) -> Partial {
      guard grouped else { return part(u) }
      let month = (u / 3) % 4
      let groups = u % 3 == 2 && month < 3 ? [month, month + 1] : [month]
      return Partial(points: points, groups: groups, slots: groups.map { _ in part(u) })
    }
    for (grouped, reducer) in [(false, mean), (true, monthly as any Reducer)] {
      let leaves = 37
      let tree = CanonicalTree(leaves: leaves)
      let values = (0..<leaves).map { leaf($0, grouped: grouped) }
      func range(_ r: Range<Int>) -> NodeSet {
        var set = NodeSet(tree: tree)
        for u in r {
          set.insert(TreeNode(tile: 0, level: 0, index: u), values[u], reducer: reducer)
        }
        return set
      }
      for cuts in [[0, 37], [13, 37], [1, 2, 37], [8, 16, 24, 37], [0, 5, 9, 30], [20, 21]] {
        var want = range(0..<cuts[0])
        var got = want
        var scratch: [Double] = []
        for (a, b) in zip(cuts, cuts.dropFirst()) {
          let arriving = range(a..<b)
          want.merge(NodeSet(decoding: arriving.encoded(), tree: tree), reducer: reducer)
          var layout: [UInt8] = []
          arriving.encodeLayout(into: &layout)
          var messages = arriving.storedValues.filter { !$0.isEmpty }[...]
          try got.merge(arriving: layout[...], reducer: reducer, scratch: &scratch) { buffer in
            let message = messages.popFirst()!
            if buffer.count < message.count {
              buffer = message
            } else {
              buffer.replaceSubrange(0..<message.count, with: message)
            }
            return message.count
          }
          XCTAssertTrue(messages.isEmpty, "grouped \(grouped), cuts \(cuts): every message taken")
        }
        XCTAssertEqual(got.encoded(), want.encoded(), "grouped \(grouped), cuts \(cuts)")
      }
    }
  }
}
