import Foundation
import XCTest

/// `floe scaling` launches the study itself and writes its three files.
final class ScalingStudyTests: ScratchTestCase {
  func testAStudyAtOneAndThreeRanksWritesCSVMarkdownAndSVG() throws {
    let input = directory.appendingPathComponent("in.nc").path
    XCTAssertSucceeded(
      try MPIRun.mpirun(2, "floe", ["gen", "-o", input, "--shape", "50,10,20"]), "gen")
    let study = directory.appendingPathComponent("study").path
    let launcher = (["mpirun"] + MPIRun.mpirunArguments + ["-np"]).joined(separator: " ")
    let result = try MPIRun.alone(
      "floe",
      [
        "scaling", "--ranks", "1,3", "--runs", "1", "--launcher", launcher, "-o", study, "--",
        "reduce", input, "--var", "tas", "--op", "mean", "-o",
        directory.appendingPathComponent("m.nc").path, "--overwrite",
      ])
    XCTAssertSucceeded(result, "floe scaling")
    let csv = try String(contentsOfFile: study + ".csv", encoding: .utf8)
    let rows = csv.split(separator: "\n")
    XCTAssertEqual(rows.count, 3, csv)
    XCTAssertTrue(rows[1].hasPrefix("1,1,"), csv)
    XCTAssertTrue(rows[2].hasPrefix("3,2,"), csv)
    XCTAssertTrue(try String(contentsOfFile: study + ".svg", encoding: .utf8).hasPrefix("<svg"))
    XCTAssertTrue(
      try String(contentsOfFile: study + ".md", encoding: .utf8).contains("| 3 | 2 |"))
  }
}
