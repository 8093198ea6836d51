import FloeHDF5
import Foundation
import XCTest

/// A block that the file stores as one run of raw bytes is found (`Dataset.storedRun`), and
/// its mapped bytes are the values HDF5 reads; every other block is left to HDF5.
final class MappedRegionTests: FixtureTestCase {
  /// The block's values through the mapping, or nil where `storedRun` says it is not one run.
  private func mapped<T: HDF5Scalar>(
    _ path: String, _ type: T.Type, _ element: ElementType, start: [Int], count: [Int]
  ) throws -> [T]? {
    let v = try File.open(path).dataset("v")
    guard let run = try v.storedRun(start: start, count: count, as: element) else { return nil }
    let file = try XCTUnwrap(MappableFile(path: path))
    let region = try XCTUnwrap(file.map(offset: run.fileOffset, bytes: run.bytes))
    XCTAssertEqual(run.bytes, count.reduce(MemoryLayout<T>.size, *))
    return Array(region.bytes.assumingMemoryBound(to: T.self))
  }

  private func read<T: HDF5Scalar>(_ path: String, start: [Int], count: [Int]) throws -> [T] {
    try File.open(path).dataset("v").read(T.self, start: start, count: count)
  }

  func testEveryBlockThatIsOneRunOfAChunkMapsToItsValues() throws {
    // 5 steps in chunks of 2 (the last one an edge chunk) of a whole 3 x 4 grid.
    let shape = [5, 3, 4]
    let path = try makeFile(
      "chunked", type: "float", shape: shape, chunks: [2, 3, 4], filters: "",
      value: { Double($0) * 0.5 - 3 })
    var runs = 0
    for (start, count) in everyBlock(of: shape) {
      let oneRun =
        start[1] == 0 && start[2] == 0 && count[1] == 3 && count[2] == 4
        && start[0] / 2 == (start[0] + count[0] - 1) / 2
      let values = try mapped(path, Float.self, .float32, start: start, count: count)
      XCTAssertEqual(values != nil, oneRun, "block at \(start) of \(count)")
      if let values {
        runs += 1
        XCTAssertEqual(values, try read(path, start: start, count: count), "\(start) \(count)")
      }
    }
    XCTAssertEqual(runs, 2 * 3 + 1)  // two whole chunks (3 runs each), the edge chunk's 1
  }

  func testAContiguousVariableMapsWholeSteps() throws {
    let shape = [4, 3]
    let path = try makeFile(
      "contiguous", type: "double", shape: shape, chunks: nil, filters: "",
      value: { sin(Double($0)) })
    XCTAssertEqual(try File.open(path).dataset("v").layout, .contiguous)
    for (start, count) in everyBlock(of: shape) {
      let values = try mapped(path, Double.self, .float64, start: start, count: count)
      XCTAssertEqual(values != nil, count[1] == 3, "block at \(start) of \(count)")
      if let values {
        XCTAssertEqual(values, try read(path, start: start, count: count), "\(start) \(count)")
      }
    }
  }

  func testWhatIsNotStoredAsItsOwnValuesIsLeftToHDF5() throws {
    let whole = (start: [0, 0], count: [2, 3])
    for (name, type, filters, element) in [
      ("deflated", "float", "\t\tv:_DeflateLevel = 1 ;", ElementType.float32),
      ("big", "float", "\t\tv:_Endianness = \"big\" ;", .float32),
      ("fletcher", "float", "\t\tv:_Fletcher32 = \"true\" ;", .float32),
      ("packed", "short", "", .float32),  // read as float32, stored as int16
      ("single", "float", "", .float64),  // read as float64, stored as float32
    ] {
      let path = try makeFile(
        name, type: type, shape: [4, 3], chunks: [2, 3], filters: filters, value: Double.init)
      let v = try File.open(path).dataset("v")
      XCTAssertNil(try v.storedRun(start: whole.start, count: whole.count, as: element), name)
    }
    // A chunk never written holds fill values that HDF5 supplies.
    let sparse = try makeFileWithFirstChunkOnly("sparse.nc", shape: [4, 3], chunk: 2)
    let v = try File.open(sparse).dataset("v")
    XCTAssertNotNil(try v.storedRun(start: [0, 0], count: [2, 3], as: .float32))
    XCTAssertNil(try v.storedRun(start: [2, 0], count: [2, 3], as: .float32))
  }

  func testNothingPastTheEndOfTheFileIsMapped() throws {
    let path = directory.appendingPathComponent("short.bin").path
    try Data(repeating: 7, count: 10_000).write(to: URL(fileURLWithPath: path))
    let file = try XCTUnwrap(MappableFile(path: path))
    XCTAssertEqual(file.size, 10_000)
    let tail = try XCTUnwrap(file.map(offset: 5_000, bytes: 5_000))
    XCTAssertEqual(tail.bytes.count, 5_000)
    XCTAssertEqual(tail.bytes.last, 7)
    XCTAssertNil(file.map(offset: 5_000, bytes: 5_001))
    XCTAssertNil(file.map(offset: -1, bytes: 10))
    XCTAssertNil(MappableFile(path: directory.appendingPathComponent("missing").path))
  }
}
