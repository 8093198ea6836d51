import FloeHDF5
import Foundation
import XCTest

/// Bad input gets an error that names the file and what is wrong with it.
final class FileErrorTests: FixtureTestCase {
  func assertOpenFails(
    _ path: String, _ code: HDF5Error.Code, mentioning fragment: String,
    line: UInt = #line
  ) {
    XCTAssertThrowsError(try File.open(path).path, line: line) { error in
      guard let error = error as? HDF5Error else { return XCTFail("\(error)", line: line) }
      XCTAssertEqual(error.code, code, line: line)
      XCTAssertEqual(error.file, path, line: line)
      XCTAssertTrue(error.description.contains(path), error.description, line: line)
      XCTAssertTrue(error.description.contains(fragment), error.description, line: line)
    }
  }

  func testMissingFile() {
    assertOpenFails(
      directory.appendingPathComponent("nope.nc").path, .fileNotFound, mentioning: "no such file")
  }

  func testDirectory() {
    assertOpenFails(directory.path, .notAFile, mentioning: "directory")
  }

  func testNotHDF5() throws {
    let path = directory.appendingPathComponent("text.nc").path
    try "just some text\n".write(toFile: path, atomically: true, encoding: .utf8)
    assertOpenFails(path, .notHDF5, mentioning: "not an HDF5")
  }

  func testTruncatedHDF5() throws {
    let good = try NetCDFFixtures.make("deflate_4d", in: directory)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    let path = directory.appendingPathComponent("truncated.nc").path
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
    assertOpenFails(path, .cannotOpen, mentioning: "truncated")
  }

  func testMissingVariableListsTheOnesThere() throws {
    let path = try NetCDFFixtures.make("deflate_4d", in: directory)
    let file = try File.open(path)
    XCTAssertThrowsError(try file.dataset("tas").name) { error in
      let text = String(describing: error)
      XCTAssertEqual((error as? HDF5Error)?.code, .objectNotFound)
      XCTAssertTrue(text.contains("no variable 'tas'"), text)
      XCTAssertTrue(text.contains("ta, "), text)
      XCTAssertTrue(text.contains(path), text)
    }
  }

  func testSelectionOutsideTheShape() throws {
    let path = try NetCDFFixtures.make("deflate_4d", in: directory)
    let file = try File.open(path)
    let ta = try file.dataset("ta")
    XCTAssertThrowsError(try ta.read(Float.self, start: [0, 0, 0, 2], count: [1, 1, 1, 3])) {
      error in
      XCTAssertEqual((error as? HDF5Error)?.code, .invalidSelection)
      XCTAssertTrue(
        String(describing: error).contains("axis 3: 2..<5 is outside 0..<4"), "\(error)")
    }
    XCTAssertThrowsError(try ta.read(Float.self, start: [0, 0], count: [1, 1])) { error in
      XCTAssertEqual((error as? HDF5Error)?.code, .invalidSelection)
    }
  }
}
