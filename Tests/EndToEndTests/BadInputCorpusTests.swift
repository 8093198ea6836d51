import FloeHDF5
import Foundation
import XCTest

/// Bad input under `mpirun -np 3`: each case ends every rank with one message naming what is
/// wrong, the expected exit code (1: the job failed, 64: a usage error), no output file, and
/// no hang (a 60 s limit).
final class BadInputCorpusTests: ScratchTestCase {
  struct Case {
    var name: String
    var arguments: [String]
    /// A part of the one error line.
    var message: String
    var status: Int32 = 1
  }

  func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  /// Writes a copy of `source` with one text attribute changed.
  func copy(
    _ source: String, to name: String, _ variable: String, _ attribute: String, _ value: String
  )
    throws -> String
  {
    let target = path(name)
    try FileManager.default.copyItem(atPath: source, toPath: target)
    try File.open(target, writable: true).dataset(variable).setAttribute(attribute, .text(value))
    return target
  }

  func gen(_ name: String, _ arguments: [String]) throws -> String {
    let target = path(name)
    XCTAssertSucceeded(try MPIRun.alone("floe", ["gen", "-o", target] + arguments), "gen \(name)")
    return target
  }

  /// A small netCDF-4 file from CDL text, by netCDF-C's `ncgen`.
  func ncgen(_ name: String, _ cdl: String) throws -> String {
    let source = path(name + ".cdl")
    try cdl.write(toFile: source, atomically: true, encoding: .utf8)
    let target = path(name + ".nc")
    XCTAssertSucceeded(
      try MPIRun.run("/usr/bin/env", ["ncgen", "-4", "-o", target, source], timeout: 60), "ncgen")
    return target
  }

  func testEveryCaseEndsEveryRankWithOneMessage() throws {
    // Inputs: a good file and its damaged, mismatched and odd relatives.
    let good = try gen("good.nc", ["--shape", "30,10,12"])
    let later = try gen("later.nc", ["--shape", "30,10,12"])
    let wider = try gen("wider.nc", ["--shape", "30,10,16"])
    let text = path("text.nc")
    try Data("netcdf? no.\n".utf8).write(to: URL(fileURLWithPath: text))
    let empty = path("empty.nc")
    FileManager.default.createFile(atPath: empty, contents: Data())
    let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    let truncated = path("truncated.nc")
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
    let folder = path("folder.nc")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    // A flipped run of bytes inside a compressed chunk.
    let corrupt = try gen(
      "corrupt.nc", ["--shape", "40,200,400", "--chunks", "10,200,400", "--deflate", "1"])
    let chunk = try File.open(corrupt).dataset("tas").storedChunkLocation(at: [20, 0, 0])
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: corrupt))
    try handle.seek(toOffset: UInt64(chunk.fileOffset + chunk.bytes / 2))
    try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
    try handle.close()
    let unknownCalendar = try copy(good, to: "calendar.nc", "time", "calendar", "martian")
    let badUnits = try copy(good, to: "units.nc", "time", "units", "fortnights since the flood")
    let otherCalendar = try copy(later, to: "noleap.nc", "time", "calendar", "noleap")
    let otherUnits = try copy(later, to: "kelvin.nc", "tas", "units", "degC")
    // Text beside numbers, and a grid without a latitude.
    let odd = try ncgen(
      "odd",
      """
      netcdf odd {
      dimensions: time = 2 ; y = 3 ; x = 2 ; len = 4 ;
      variables:
        double time(time) ; time:units = "days since 2000-01-01" ;
        float ta(time, y, x) ;
        char label(time, len) ;
      data:
        time = 0, 1 ;
        ta = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 ;
        label = "warm", "cold" ;
      }
      """)
    let exists = path("exists.nc")
    FileManager.default.createFile(atPath: exists, contents: Data("keep me".utf8))
    let out = path("out.nc")

    let reduce = { (input: [String], rest: [String]) in ["reduce"] + input + rest }
    let mean = ["--var", "tas", "--op", "mean", "-o", out]
    var cases: [Case] = [
      Case(
        name: "missing file", arguments: reduce([path("nowhere.nc")], mean), message: "nowhere.nc"),
      Case(name: "directory", arguments: reduce([folder], mean), message: "folder.nc"),
      Case(name: "not HDF5", arguments: reduce([text], mean), message: "text.nc"),
      Case(name: "empty file", arguments: reduce([empty], mean), message: "empty.nc"),
      Case(
        name: "truncated", arguments: reduce([truncated], mean), message: "truncated or damaged"),
      Case(
        name: "flipped bytes in a chunk", arguments: reduce([corrupt], mean),
        message: "inflate() failed"),
      Case(
        name: "missing variable",
        arguments: reduce([good], ["--var", "pr", "--op", "mean", "-o", out]),
        message: "no variable 'pr'"),
      Case(
        name: "missing dimension", arguments: reduce([good], mean + ["--over", "height"]),
        message: "has no dimension 'height'"),
      Case(
        name: "non-numeric variable",
        arguments: reduce([odd], ["--var", "label", "--op", "mean", "-o", out]),
        message: "'label'"),
      Case(
        name: "files of other shapes", arguments: reduce([good, wider], mean), message: "wider.nc"),
      Case(
        name: "files of other units", arguments: reduce([good, otherUnits], mean),
        message: "kelvin.nc"),
      Case(
        name: "files of other calendars", arguments: reduce([good, otherCalendar], mean),
        message: "noleap"),
      Case(
        name: "files overlapping in time", arguments: reduce([good, later], mean),
        message: "overlap in time"),
      Case(
        name: "unknown calendar",
        arguments: reduce([unknownCalendar], mean + ["--by", "time.month"]),
        message: "time coordinate 'time' in \(unknownCalendar): unknown calendar 'martian'"),
      Case(
        name: "bad time units", arguments: reduce([badUnits], mean + ["--by", "time.month"]),
        message: "time coordinate 'time' in \(badUnits): time units 'fortnights since the flood'"),
      Case(
        name: "selection outside the coordinate",
        arguments: reduce([good], mean + ["--sel", "lat=95:100"]), message: "selects nothing"),
      Case(
        name: "index selection outside the dimension",
        arguments: reduce([good], mean + ["--isel", "lon=50:60"]),
        message: "selects nothing of dimension 'lon'"),
      Case(
        name: "selection that is not a number",
        arguments: reduce([good], mean + ["--sel", "lat=north:south"]),
        message: "'north' is not a number"),
      Case(
        name: "unknown op",
        arguments: reduce([good], ["--var", "tas", "--op", "average", "-o", out]),
        message: "unknown --op 'average'", status: 64),
      Case(
        name: "malformed percentile",
        arguments: reduce([good], ["--var", "tas", "--op", "p101", "-o", out]),
        message: "unknown --op 'p101'", status: 64),
      Case(
        name: "weights without a latitude",
        arguments: reduce(
          [odd], ["--var", "ta", "--op", "mean", "--over", "y,x", "--weights", "coslat", "-o", out]),
        message: "--weights coslat needs a latitude dimension"),
      Case(
        name: "weights for a maximum",
        arguments: reduce(
          [good], ["--var", "tas", "--op", "max", "--weights", "coslat", "-o", out]),
        message: "--weights applies to --op mean and sum, not max"),
      Case(
        name: "budget too small for one unit",
        arguments: reduce([good], mean + ["--memory-per-rank", "1KiB"]),
        message: "cannot hold one unit"),
      Case(
        name: "budget that is not a size",
        arguments: reduce([good], mean + ["--memory-per-rank", "lots"]),
        message: "--memory-per-rank 'lots' is not a size", status: 64),
      Case(
        name: "output directory missing",
        arguments: reduce(
          [good], ["--var", "tas", "--op", "mean", "-o", path("no/such/dir/out.nc")]),
        message: "does not exist"),
      Case(
        name: "output exists",
        arguments: reduce([good], ["--var", "tas", "--op", "mean", "-o", exists]),
        message: "the output exists already (use --overwrite to replace it)"),
      Case(
        name: "percentile of two variables",
        arguments: reduce([good], ["--var", "tas,lat_bnds", "--op", "median", "-o", out]),
        message: "reduces one variable at a time"),
      Case(
        name: "unknown grouping", arguments: reduce([good], mean + ["--by", "time.fortnight"]),
        message: "time.fortnight", status: 64),
      Case(
        name: "grouping of a dimension that is not time",
        arguments: reduce([good], mean + ["--by", "lat.month"]),
        message: "lat.month", status: 64),
      Case(
        name: "info of a missing file", arguments: ["info", path("nowhere.nc")],
        message: "nowhere.nc"),
    ]
    if geteuid() != 0 {
      // Root reads any file, so this case exists only for other users.
      let locked = try gen("locked.nc", ["--shape", "4,3,3"])
      chmod(locked, 0)
      cases.append(
        Case(name: "no read permission", arguments: reduce([locked], mean), message: "locked.nc"))
    }
    XCTAssertGreaterThanOrEqual(cases.count, 30)

    for c in cases {
      let result = try MPIRun.mpirun(3, "floe", c.arguments, timeout: 60)
      XCTAssertFalse(result.timedOut, "\(c.name): hung")
      XCTAssertEqual(result.status, c.status, "\(c.name): \(result.stderr)")
      let lines = result.stderr.split(separator: "\n").filter { $0.contains("rror") }
      XCTAssertEqual(lines.count, 1, "\(c.name): one message, not one per rank: \(result.stderr)")
      XCTAssertTrue(result.stderr.contains(c.message), "\(c.name): \(result.stderr)")
      XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(c.name) left an output")
      XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".floe-partial"), c.name)
    }
    XCTAssertEqual(try String(contentsOfFile: exists, encoding: .utf8), "keep me")
  }
}
