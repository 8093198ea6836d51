import FloeHDF5
import Foundation
import XCTest

/// Floe reads what netCDF-C writes: dimensions from dimension scales, every numeric type,
/// attributes in their own types, fill values, chunking and filters, hyperslabs.
final class ReadNetCDFTests: FixtureTestCase {
  func testUnlimitedRecordDimensionAndPackedInt16() throws {
    let path = try NetCDFFixtures.make("packed_unlimited", in: directory)
    let file = try File.open(path)
    let info = try file.describe()
    XCTAssertEqual(
      info.dimensions,
      [
        Dimension(name: "TIME", length: 4, isUnlimited: true),
        Dimension(name: "COADSY", length: 3), Dimension(name: "COADSX", length: 5),
      ])
    XCTAssertEqual(info.variables.map(\.name), ["TIME", "COADSY", "COADSX", "SST"])
    XCTAssertEqual(info.attributes, [Attribute("title", .text("packed test"))])

    let sst = try file.dataset("SST")
    XCTAssertEqual(sst.dataType, .numeric(.int16))
    XCTAssertEqual(sst.shape, [4, 3, 5])
    XCTAssertEqual(sst.maxShape, [nil, 3, 5])
    XCTAssertEqual(sst.layout, .chunked)
    XCTAssertEqual(sst.chunkShape, [1, 2, 4])
    XCTAssertEqual(try sst.dimensionNames(), ["TIME", "COADSY", "COADSX"])
    XCTAssertEqual(sst.fillValue, .int16([-32767]))
    // 4 records x 2 chunk rows x 2 chunk columns, all written.
    XCTAssertEqual(try sst.storedChunkCount(), 16)
    XCTAssertEqual(try sst.attribute("scale_factor"), .numbers(.float32([0.01])))
    XCTAssertEqual(try sst.attribute("add_offset"), .numbers(.float32([273.15])))
    XCTAssertEqual(try sst.attribute("valid_range"), .numbers(.int16([-3000, 5000])))
    XCTAssertEqual(try sst.attribute("units"), .text("K"))
    XCTAssertNil(try sst.attribute("no_such_attribute"))
    // DIMENSION_LIST and _Netcdf4* are netCDF's, not the user's.
    XCTAssertEqual(
      try sst.attributes().map(\.name),
      ["scale_factor", "add_offset", "_FillValue", "valid_range", "units"])

    let all: [Int16] = try sst.readAll()
    XCTAssertEqual(all.count, 60)
    XCTAssertEqual(Array(all[0..<7]), [100, 101, 102, 103, 104, 110, -32767])
    XCTAssertEqual(all[28], -32767)
    XCTAssertEqual(Array(all[45..<50]), [-400, -401, -402, -403, -404])
    // A hyperslab across chunk boundaries: records 1-2, rows 1-2, columns 2-4.
    let block: [Int16] = try sst.read(start: [1, 1, 2], count: [2, 2, 3])
    XCTAssertEqual(block, [212, 213, 214, 222, -32767, 224, 312, 313, 314, 322, 323, 324])
    // HDF5 converts on read when asked for another type.
    let asDouble: [Double] = try sst.read(start: [3, 2, 4], count: [1, 1, 1])
    XCTAssertEqual(asDouble, [-424])

    let time = try file.dataset("TIME")
    XCTAssertTrue(time.isDimensionScale)
    XCTAssertEqual(try time.readAll(Double.self), [0, 6, 12, 18])
    XCTAssertEqual(try time.attribute("calendar"), .text("noleap"))
  }

  func testDeflateShuffleFourDimensionsWithEdgeChunks() throws {
    let path = try NetCDFFixtures.make("deflate_4d", in: directory)
    let file = try File.open(path)
    let info = try file.describe()
    XCTAssertEqual(info.dimensions.map(\.name), ["t", "plev", "y", "x"])
    // plev has no coordinate variable: netCDF's dimension-only scale is not a variable.
    XCTAssertEqual(info.variables.map(\.name), ["ta", "y", "x"])
    let ta = try file.dataset("ta")
    XCTAssertEqual(try ta.dimensionNames(), ["t", "plev", "y", "x"])
    XCTAssertEqual(ta.filters.map(\.name), ["shuffle", "deflate"])
    XCTAssertEqual(ta.filters.first { $0.name == "deflate" }?.parameters, [4])
    XCTAssertEqual(ta.chunkShape, [2, 1, 2, 3])
    XCTAssertEqual(ta.fillValue, .float32([-999]))
    // ceil(3/2) * 2 * ceil(3/2) * ceil(4/3) = 2 * 2 * 2 * 2
    XCTAssertEqual(try ta.storedChunkCount(), 16)
    let all: [Float] = try ta.readAll()
    XCTAssertEqual(all, (0..<72).map(Float.init))
    // The last edge chunk region: t=2, plev=1, y=2, x=3 is element 71.
    let corner: [Float] = try ta.read(start: [2, 1, 2, 3], count: [1, 1, 1, 1])
    XCTAssertEqual(corner, [71])
    // A block spanning every chunk boundary, checked against row-major arithmetic.
    let block: [Float] = try ta.read(start: [1, 0, 1, 1], count: [2, 2, 2, 3])
    var expected: [Float] = []
    for t in 1..<3 {
      for p in 0..<2 {
        for y in 1..<3 {
          for x in 1..<4 {
            expected.append(Float(((t * 2 + p) * 3 + y) * 4 + x))
          }
        }
      }
    }
    XCTAssertEqual(block, expected)
    // Reading through a dataset opened without a chunk cache gives the same values.
    let uncached = try file.dataset("ta", chunkCache: ChunkCache.disabled)
    XCTAssertEqual(try uncached.readAll(Float.self), all)
  }

  func testEveryNumericTypeAndAttributeType() throws {
    let path = try NetCDFFixtures.make("types_contiguous", in: directory)
    let file = try File.open(path)
    XCTAssertEqual(try file.dataset("b").readAll(Int8.self), [-128, 0, 127])
    XCTAssertEqual(try file.dataset("ub").readAll(UInt8.self), [0, 128, 255])
    XCTAssertEqual(try file.dataset("s").readAll(Int16.self), [-32768, 0, 32767])
    XCTAssertEqual(try file.dataset("us").readAll(UInt16.self), [0, 1, 65535])
    XCTAssertEqual(try file.dataset("i").readAll(Int32.self), [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(try file.dataset("ui").readAll(UInt32.self), [0, 1, 4_294_967_295])
    XCTAssertEqual(
      try file.dataset("i64").readAll(Int64.self), [-9_223_372_036_854_775_806, 0, .max])
    XCTAssertEqual(try file.dataset("u64").readAll(UInt64.self), [0, 1, .max])
    XCTAssertEqual(try file.dataset("f").readAll(Float.self), [0.5, -1.25, 3e30])
    XCTAssertEqual(try file.dataset("d").readAll(Double.self), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
    XCTAssertEqual(try file.dataset("i").layout, .contiguous)
    XCTAssertEqual(try file.dataset("i").chunkShape, nil)

    let scalar = try file.dataset("scalar")
    XCTAssertEqual(scalar.shape, [])
    XCTAssertEqual(try scalar.readAll(Double.self), [42])

    // Element types as HDF5 reports them.
    let types = try ["b", "ub", "s", "us", "i", "ui", "i64", "u64", "f", "d"].map {
      try file.dataset($0).dataType
    }
    XCTAssertEqual(
      types,
      [.int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64, .float32, .float64].map {
        DataType.numeric($0)
      })
    // A string variable is described, and refused as numbers with its name in the message.
    let labels = try file.dataset("labels")
    XCTAssertEqual(labels.dataType.description, "string")
    XCTAssertThrowsError(try labels.numericType()) { error in
      XCTAssertTrue(String(describing: error).contains("'labels'"), "\(error)")
    }

    // An int64 attribute beyond 2^53 keeps every digit.
    XCTAssertEqual(
      try file.dataset("i64").attribute("big"), .numbers(.int64([9_007_199_254_740_993])))
    let d = try file.dataset("d")
    XCTAssertEqual(try d.attribute("weights"), .numbers(.float64([0.5, 0.25])))
    XCTAssertEqual(try d.attribute("short_attr"), .numbers(.int16([-7])))
    XCTAssertEqual(try d.attribute("long_name"), .text("a double"))
    XCTAssertEqual(
      try file.attributes(),
      [
        Attribute("Conventions", .text("CF-1.8")), Attribute("tags", .texts(["alpha", "beta"])),
        Attribute("version", .numbers(.int32([3]))),
      ])
  }

  func testStoredChunkBytesOfAnUncompressedChunkAreItsValues() throws {
    let path = try NetCDFFixtures.make("packed_unlimited", in: directory)
    let file = try File.open(path)
    let sst = try file.dataset("SST")
    // The chunk at record 2, row 2, column 4 is an edge chunk: only (2,2,4) is inside
    // the shape, but HDF5 stores the whole 1 x 2 x 4 chunk.
    XCTAssertEqual(try sst.storedChunkSize(at: [2, 2, 4]), 16)
    var raw = [UInt8](repeating: 0, count: 16)
    let stored = try raw.withUnsafeMutableBytes {
      try sst.readStoredChunk(at: [2, 2, 4], into: $0)
    }
    XCTAssertEqual(stored.bytes, 16)
    XCTAssertEqual(stored.filterMask, 0)
    let first = raw.withUnsafeBytes { $0.load(as: Int16.self) }
    XCTAssertEqual(first, 324)
    // An interior chunk: record 0, rows 0-1, columns 0-3.
    var interior = [Int16](repeating: 0, count: 8)
    _ = try interior.withUnsafeMutableBytes { try sst.readStoredChunk(at: [0, 0, 0], into: $0) }
    XCTAssertEqual(interior, [100, 101, 102, 103, 110, -32767, 112, 113])
  }
}
