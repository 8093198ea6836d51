import FloeRuntime
import XCTest

/// Where the ranks are: the order of the workers, the exchange tree, the memory budget.
final class PlacementTests: XCTestCase {
  func testWorkersAreOrderedHostByHost() {
    // mpirun --map-by node: ranks go round the hosts.
    let placement = Placement(hosts: ["a", "b", "a", "b", "a"])
    // Workers are ranks 1-4; rank 1's host (b) first, then a.
    XCTAssertEqual(placement.workerRanks, [1, 3, 2, 4])
    XCTAssertEqual(Placement(hosts: ["a"]).workerRanks, [0])
    XCTAssertEqual(Placement(hosts: ["a", "a", "a"]).workerRanks, [1, 2])
    XCTAssertEqual(
      Placement(hosts: ["x", "c", "b", "c", "a", "b"]).workerRanks, [1, 3, 2, 5, 4])
  }

  func testTheExchangeCrossesEachHostBoundaryOnce() {
    let tree = Placement(hosts: ["a", "b", "a", "b", "a"]).exchangeTree
    XCTAssertEqual(tree.hosts, [0..<2, 2..<4])
    XCTAssertEqual(tree.steps(of: 0).receiveFrom, [1, 2])
    XCTAssertNil(tree.steps(of: 0).sendTo)
    XCTAssertEqual(tree.steps(of: 1).receiveFrom, [])
    XCTAssertEqual(tree.steps(of: 1).sendTo, 0)
    XCTAssertEqual(tree.steps(of: 2).receiveFrom, [3])
    XCTAssertEqual(tree.steps(of: 2).sendTo, 0)
    XCTAssertEqual(tree.steps(of: 3).sendTo, 2)

    // On one host: the plain binomial tree (round k: i + 2^k sends to i).
    let one = ExchangeTree(workers: 6)
    XCTAssertEqual(one.steps(of: 0).receiveFrom, [1, 2, 4])
    XCTAssertEqual(one.steps(of: 2).receiveFrom, [3])
    XCTAssertEqual(one.steps(of: 2).sendTo, 0)
    XCTAssertEqual(one.steps(of: 4).receiveFrom, [5])
    XCTAssertEqual(one.steps(of: 4).sendTo, 0)
    XCTAssertEqual(one.steps(of: 5).sendTo, 4)
    XCTAssertEqual(one.messagesAcrossHosts, 0)

    // Any shape: a tree (every worker but 0 sends once, to a worker that has not sent yet
    // when it receives), and exactly hosts - 1 messages cross between hosts.
    for hostsOfWorkers in [[3, 3, 3], [1, 4, 2, 2], [5, 1, 1, 1, 1, 3], [2, 2, 2, 2, 2]] {
      let names = hostsOfWorkers.enumerated().flatMap { h, n in
        [String](repeating: "h\(h)", count: n)
      }
      let tree = ExchangeTree(hostOfWorker: names)
      var across = 0
      var received = Set<Int>()
      for w in 0..<names.count {
        let (children, parent) = tree.steps(of: w)
        XCTAssertEqual(parent == nil, w == 0)
        for child in children {
          XCTAssertEqual(tree.steps(of: child).sendTo, w)
          XCTAssertTrue(received.insert(child).inserted, "\(child) sends twice")
        }
        if let parent, names[parent] != names[w] { across += 1 }
      }
      XCTAssertEqual(received, Set(1..<names.count), "\(hostsOfWorkers)")
      XCTAssertEqual(across, hostsOfWorkers.count - 1, "\(hostsOfWorkers)")
      XCTAssertEqual(tree.messagesAcrossHosts, hostsOfWorkers.count - 1)
    }
  }

  func testMemoryPerNodeIsSharedByTheWorkingRanksOfTheFullestNode() throws {
    let gib = 1 << 30
    let placement = Placement(
      hosts: ["a", "a", "a", "b", "b", "b", "b"],
      memoryBytes: [Int](repeating: 6 * gib, count: 7))
    let perNode = MemoryBudget(.perNode(MemorySize(bytes: 8 * gib)))
    XCTAssertEqual(perNode.bytesPerRank(placement), 2 * gib)
    // Rank 0 schedules: host a's three ranks have two workers, b's four have four.
    let even = Placement(hosts: ["a", "a", "a", "b", "b"])
    XCTAssertEqual(perNode.bytesPerRank(even), 4 * gib)
    XCTAssertEqual(
      perNode.text(even), "--memory-per-node 8.0 GiB (2 working rank(s) on a: 4.0 GiB each)")
    XCTAssertEqual(perNode.bytesPerRank(Placement(hosts: ["a"])), 8 * gib, "rank 0 alone works")
    XCTAssertEqual(
      perNode.text(placement), "--memory-per-node 8.0 GiB (4 working rank(s) on b: 2.0 GiB each)")
    let perRank = MemoryBudget(.perRank(MemorySize(bytes: 3 * gib)))
    XCTAssertEqual(perRank.bytesPerRank(placement), 3 * gib)
    XCTAssertEqual(perRank.text(placement), "--memory-per-rank 3.0 GiB")

    // Host a: workers 1 and 2 (rank 0 schedules) need 4 GiB of its 6; host b's four need 8.
    XCTAssertNoThrow(try perNode.check(need: 3 * gib / 2, placement: placement))
    XCTAssertThrowsError(try perNode.check(need: 2 * gib, placement: placement)) { error in
      XCTAssertEqual(
        "\(error)",
        "--memory-per-node 8.0 GiB does not fit on b: its 4 rank(s) (3-6) need 8.0 GiB for this "
          + "plan (2.0 GiB per working rank) but b has 6.0 GiB; give at most --memory-per-rank "
          + "1.5 GiB or --memory-per-node 6.0 GiB, or fewer ranks per host")
    }
    // Rank 0's own need counts on its host: 2 x 2.5 + 1.5 > 6 GiB; what fits its two
    // workers is what rank 0 leaves: (6 - 1.5) / 2.
    XCTAssertThrowsError(
      try perRank.check(need: 5 * gib / 2, schedulerNeed: 3 * gib / 2, placement: placement)
    ) { error in
      XCTAssertTrue("\(error)".contains("does not fit on a: its 3 rank(s) (0-2) need 6.5 GiB"))
      XCTAssertTrue("\(error)".contains("give at most --memory-per-rank 2.3 GiB or"), "\(error)")
    }
    // Memory not known (0): not checked.
    XCTAssertNoThrow(
      try perRank.check(need: 100 * gib, placement: Placement(hosts: ["a", "a"])))
  }
}
