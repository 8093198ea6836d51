import XCTest

/// Every FloeMPI collective, checked for values by each rank, under the real mpirun.
final class MPICollectiveTests: XCTestCase {
  func testEveryCollectiveAtEveryRankCount() throws {
    for np in Set(MPIRun.ranks + [1, 2, 3, 4, 5]).sorted() {
      let result = try MPIRun.mpirun(np, "floe-mpi-checks", [])
      XCTAssertSucceeded(result, "floe-mpi-checks on \(np) ranks")
      XCTAssertTrue(result.stdout.contains("mpi checks on \(np) rank(s): "), result.stdout)
      XCTAssertTrue(result.stdout.contains(" passed, 0 failed"), result.stdout)
    }
  }

  func testAWorldOfOneWithoutMpirun() throws {
    let result = try MPIRun.alone("floe-mpi-checks", [])
    XCTAssertSucceeded(result, "floe-mpi-checks without mpirun")
    XCTAssertTrue(result.stdout.contains("mpi checks on 1 rank(s): "), result.stdout)
    XCTAssertTrue(result.stdout.contains(" passed, 0 failed"), result.stdout)
  }
}
