import Floe
import FloeRuntime
import XCTest

/// `floe scaling` reads Floe's own run summary: the two must not drift apart.
final class ScalingTests: XCTestCase {
  func testReadsTheRunSummaryFloeWrites() throws {
    let workers = [(1.5, 2.0, 0.25, 0.5), (1.0, 3.0, 0.125, 0.25), (2.5, 1.0, 0.5, 1.0)].map {
      (read, compute, exchange, wait) -> WorkerReport in
      var report = WorkerReport()
      report.readSeconds = read
      report.computeSeconds = compute
      report.exchangeSeconds = exchange
      report.waitSeconds = wait
      return report
    }
    let summary = RunSummary(
      units: 7, supersteps: 2, workers: workers, wallSeconds: 4.25, schedulerCPUSeconds: 0.1)
    let parsed = try XCTUnwrap(Scaling.parse(summary: "floe: plan: ...\n" + summary.text))
    XCTAssertEqual(parsed.run, 4.25)
    // The median worker of each phase.
    XCTAssertEqual(parsed.read, 1.5)
    XCTAssertEqual(parsed.compute, 2.0)
    XCTAssertEqual(parsed.exchange, 0.25)
    XCTAssertEqual(parsed.wait, 0.5)
  }

  func testSpeedUpAndEfficiencyAreRelativeToTheFirstPoint() {
    let points = [
      ScalingPoint(
        ranks: 2, workers: 1, wallSeconds: 4, runSeconds: 3.5, read: 2, compute: 1, exchange: 0,
        wait: 0),
      ScalingPoint(
        ranks: 3, workers: 2, wallSeconds: 2.5, runSeconds: 2, read: 1, compute: 0.5, exchange: 0.1,
        wait: 0.1),
    ]
    XCTAssertEqual(Scaling.speedUp(points), [1, 1.6])
    XCTAssertEqual(Scaling.efficiency(points), [1, 0.8])
    // By Floe's run time: 3.5 / 2 = 1.75 times faster with twice the workers.
    XCTAssertEqual(Scaling.runEfficiency(points), [1, 0.875])
    XCTAssertTrue(
      Scaling.csv(points).contains("3,2,2.5000,2.0000,1.6000,0.8000,1.0000,0.5000,0.1000,0.1000,0.8750\n"))
    XCTAssertTrue(
      Scaling.markdown(points).contains("| 3 | 2 | 2.500 | 2.000 | 1.600 | 80% | 88% | 1.000 |"))
    XCTAssertTrue(Scaling.svg(points, title: "a < b").hasPrefix("<svg"))
  }
}
