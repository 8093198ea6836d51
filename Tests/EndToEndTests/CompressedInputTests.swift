import FloeHDF5
import Foundation
import XCTest

/// A compressed input (deflate and shuffle, which Floe decodes itself) gives the bytes of the
/// same data stored uncompressed, and those of HDF5's own decoding.
final class CompressedInputTests: ScratchTestCase {
  func testCompressedInputGivesTheBytesOfTheSameDataUncompressed() throws {
    // Edge chunks along every dimension; the compressed chunks are decoded whole and copied
    // into units, the uncompressed ones read in pieces through H5Dread.
    func gen(_ name: String, _ extra: [String]) throws -> String {
      let path = directory.appendingPathComponent(name).path
      let arguments =
        [
          "gen", "-o", path, "--shape", "731,19,36", "--chunks", "40,7,20", "--fill-fraction",
          "0.05", "--seed", "11",
        ] + extra
      XCTAssertSucceeded(try MPIRun.mpirun(2, "floe", arguments), "gen \(name)")
      return path
    }
    let plain = try gen("plain.nc", [])
    let deflated = try gen("deflated.nc", ["--deflate", "1"])
    let stored = try File.open(deflated).dataset("tas")
    XCTAssertEqual(stored.filters.map(\.name), ["shuffle", "deflate"])
    XCTAssertEqual(
      try stored.readAll(Float.self).map(\.bitPattern),
      try File.open(plain).dataset("tas").readAll(Float.self).map(\.bitPattern))

    let cases: [(name: String, arguments: [String])] = [
      ("mean", ["--op", "mean"]),
      ("std", ["--op", "std"]),
      ("max", ["--op", "max"]),
      ("ymonmean", ["--op", "mean", "--by", "time.month"]),
      ("fldmean", ["--op", "mean", "--over", "lat,lon", "--weights", "coslat"]),
      ("p95", ["--op", "p95"]),
    ]
    let np = 3
    for (name, arguments) in cases {
      var outputs: [[UInt32]] = []
      for (input, decoding) in [(plain, "floe"), (deflated, "floe"), (deflated, "hdf5")] {
        let out = directory.appendingPathComponent("\(name)-\(outputs.count).nc").path
        let result = try MPIRun.mpirun(
          np, "floe",
          ["reduce", input, "--var", "tas", "-o", out, "--memory-per-rank", "2MiB"] + arguments,
          environment: ["FLOE_CHUNK_DECODING": decoding])
        XCTAssertSucceeded(result, "\(name) of \(input) decoded by \(decoding)")
        guard result.status == 0 else { break }
        outputs.append(try File.open(out).dataset("tas").readAll(Float.self).map(\.bitPattern))
      }
      guard outputs.count == 3 else { continue }
      XCTAssertFalse(outputs[0].isEmpty, name)
      XCTAssertEqual(outputs[1], outputs[0], "\(name): compressed input differs from uncompressed")
      XCTAssertEqual(outputs[2], outputs[0], "\(name): HDF5's decoding differs from Floe's")
    }
  }
}
