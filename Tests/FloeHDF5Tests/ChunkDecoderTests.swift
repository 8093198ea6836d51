import CFloeChunks
import FloeHDF5
import Foundation
import XCTest

/// Floe's own decoding of stored chunks (libdeflate, its unshuffle) gives the values netCDF-C
/// wrote, for every block of files with edge chunks, with and without shuffle, in float32 and
/// float64; what it cannot decode it leaves to HDF5.
final class ChunkDecoderTests: FixtureTestCase {
  private func decode<T: HDF5Scalar>(
    _ path: String, _ type: T.Type, _ element: ElementType, start: [Int], count: [Int],
    decoder: ChunkDecoder
  ) throws -> [T] {
    let file = try File.open(path)
    let v = try file.dataset("v")
    XCTAssertTrue(ChunkDecoder.canDecode(v, as: element))
    let n = count.reduce(1, *)
    return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      try decoder.read(
        v, as: element, start: start, count: count, into: UnsafeMutableRawBufferPointer(buffer))
      initialized = n
    }
  }

  func testEveryBlockOfTheFourDimensionalFixture() throws {
    // ta(3, 2, 3, 4) = 0...71 in chunks of 2 x 1 x 2 x 3: shuffle and deflate, edge chunks.
    let path = try NetCDFFixtures.make("deflate_4d", in: directory)
    let file = try File.open(path)
    let ta = try file.dataset("ta")
    XCTAssertTrue(ChunkDecoder.canDecode(ta, as: .float32))
    let decoder = ChunkDecoder()
    let shape = [3, 2, 3, 4]
    for (start, count) in everyBlock(of: shape) {
      let n = count.reduce(1, *)
      let values = try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
        try decoder.read(
          ta, as: .float32, start: start, count: count, into: UnsafeMutableRawBufferPointer(buffer))
        initialized = n
      }
      let expected = (0..<n).map { Float(flatIndex($0, start: start, count: count, shape: shape)) }
      XCTAssertEqual(values, expected, "block at \(start) of \(count)")
    }
  }

  func testFloat32ShuffledAndFloat64DeflatedOnly() throws {
    // Chunks of 3 x 5 x 13 and 4 x 7 x 13 elements: the unshuffle's 16-element rounds and
    // their tails; the float64 file's chunks span the whole grid, so they decode in place.
    let shape = [10, 7, 13]
    func value(_ i: Int) -> Double { Double(i % 97) * 0.25 - 7 + Double(i / 97) }
    let f32 = try makeFile(
      "f32", type: "float", shape: shape, chunks: [3, 5, 13],
      filters: "\t\tv:_DeflateLevel = 1 ;\n\t\tv:_Shuffle = \"true\" ;", value: value)
    let f64 = try makeFile(
      "f64", type: "double", shape: shape, chunks: [4, 7, 13],
      filters: "\t\tv:_DeflateLevel = 6 ;", value: value)
    XCTAssertEqual(try File.open(f32).dataset("v").filters.map(\.name), ["shuffle", "deflate"])
    XCTAssertEqual(try File.open(f64).dataset("v").filters.map(\.name), ["deflate"])
    let decoder = ChunkDecoder()
    let blocks: [([Int], [Int])] = [
      ([0, 0, 0], shape), ([4, 0, 0], [4, 7, 13]), ([3, 2, 1], [5, 4, 11]),
      ([9, 6, 12], [1, 1, 1]),
      ([1, 0, 0], [8, 7, 13]),
    ]
    for (start, count) in blocks {
      let n = count.reduce(1, *)
      let expected = (0..<n).map { value(flatIndex($0, start: start, count: count, shape: shape)) }
      let singles = try decode(
        f32, Float.self, .float32, start: start, count: count, decoder: decoder)
      XCTAssertEqual(singles, expected.map(Float.init), "float32 block at \(start) of \(count)")
      let doubles = try decode(
        f64, Double.self, .float64, start: start, count: count, decoder: decoder)
      XCTAssertEqual(doubles, expected, "float64 block at \(start) of \(count)")
    }
  }

  func testChunksNeverWrittenAreLeftToHDF5() throws {
    // Only the first of two time chunks is written. Floe's writer sets HDF5's fill time to
    // "never", so HDF5 leaves the rest of the buffer as it was (a netCDF-C file gets its fill
    // value there); the decoder must give exactly what HDF5 gives.
    let path = try makeFileWithFirstChunkOnly(
      "sparse.nc", shape: [8, 5], chunk: 4, deflateLevel: 1, fillValue: .float32([-1]))
    let v = try File.open(path).dataset("v")
    XCTAssertEqual(try v.storedChunkLocation(at: [4, 0]).bytes, 0)
    var decoded = [Float](repeating: 42, count: 30)
    try decoded.withUnsafeMutableBytes {
      try ChunkDecoder().read(v, as: .float32, start: [2, 0], count: [6, 5], into: $0)
    }
    var read = [Float](repeating: 42, count: 30)
    try read.withUnsafeMutableBufferPointer { try v.read(into: $0, start: [2, 0], count: [6, 5]) }
    XCTAssertEqual(decoded, (10..<20).map(Float.init) + [Float](repeating: 42, count: 20))
    XCTAssertEqual(decoded, read)
  }

  func testWhatItCannotDecodeIsLeftToHDF5() throws {
    let bigEndian = try makeFile(
      "big", type: "float", shape: [4, 3], chunks: [2, 3],
      filters: "\t\tv:_DeflateLevel = 1 ;\n\t\tv:_Endianness = \"big\" ;", value: Double.init)
    let checksummed = try makeFile(
      "fletcher", type: "float", shape: [4, 3], chunks: [2, 3],
      filters: "\t\tv:_DeflateLevel = 1 ;\n\t\tv:_Fletcher32 = \"true\" ;", value: Double.init)
    let packed = try makeFile(
      "packed", type: "short", shape: [4, 3], chunks: [2, 3],
      filters: "\t\tv:_DeflateLevel = 1 ;", value: Double.init)
    XCTAssertFalse(ChunkDecoder.canDecode(try File.open(bigEndian).dataset("v"), as: .float32))
    XCTAssertFalse(ChunkDecoder.canDecode(try File.open(checksummed).dataset("v"), as: .float32))
    XCTAssertFalse(ChunkDecoder.canDecode(try File.open(packed).dataset("v"), as: .float32))
    XCTAssertTrue(ChunkDecoder.canDecode(try File.open(packed).dataset("v"), as: .int16))
  }

  func testADamagedChunkNamesTheFileTheVariableAndTheChunk() throws {
    let path = try makeFile(
      "damaged", type: "float", shape: [8, 40], chunks: [4, 40],
      filters: "\t\tv:_DeflateLevel = 1 ;\n\t\tv:_Shuffle = \"true\" ;", value: { sin(Double($0)) })
    let chunk = try File.open(path).dataset("v").storedChunkLocation(at: [4, 0])
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try handle.seek(toOffset: UInt64(chunk.fileOffset + chunk.bytes / 2))
    try handle.write(contentsOf: Data(repeating: 0xA5, count: 16))
    try handle.close()
    XCTAssertThrowsError(
      try decode(
        path, Float.self, .float32, start: [0, 0], count: [8, 40], decoder: ChunkDecoder())
    ) { error in
      let text = String(describing: error)
      XCTAssertTrue(text.hasPrefix("\(path), 'v': cannot read the chunk at [4, 0]"), text)
      XCTAssertTrue(text.contains("inflate() failed"), text)
    }
  }

  func testUnshuffleUndoesHDF5sShuffle() {
    for size in [1, 2, 3, 4, 8] {
      for bytes in [0, 5, 63, 64, 65, 130, 1000, 1003] {
        let original = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) }
        // HDF5's shuffle: byte b of element i goes to b * n + i; trailing bytes stay put.
        let n = bytes / size
        var shuffled = original
        for i in 0..<n { for b in 0..<size { shuffled[b * n + i] = original[i * size + b] } }
        var out = [UInt8](repeating: 0, count: bytes)
        shuffled.withUnsafeBufferPointer { input in
          out.withUnsafeMutableBufferPointer { output in
            floe_unshuffle(input.baseAddress, output.baseAddress, bytes, size)
          }
        }
        XCTAssertEqual(out, original, "element size \(size), \(bytes) bytes")
      }
    }
  }
}
