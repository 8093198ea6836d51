import FloeHDF5
import Foundation
import XCTest

/// Floe against CDO and NCO on the same file (scripts/bootstrap.sh installs both). Where the
/// definitions agree the float32 results agree exactly; where they differ (CDO's cell areas)
/// the tolerance is stated and explained in docs/cf-semantics.md.
final class PeerTests: ScratchTestCase {
  func values(_ path: String, _ variable: String = "tas") throws -> [Float] {
    try File.open(path).dataset(variable).readAll()
  }

  func tool(_ arguments: [String]) throws {
    let result = try MPIRun.run("/usr/bin/env", arguments, timeout: 120)
    XCTAssertSucceeded(result, arguments.joined(separator: " "))
  }

  func floe(_ arguments: [String]) throws {
    XCTAssertSucceeded(
      try MPIRun.mpirun(3, "floe", arguments), "floe " + arguments.joined(separator: " "))
  }

  func testAgainstCDOAndNCO() throws {
    let input = directory.appendingPathComponent("tas.nc").path
    try floe([
      "gen", "-o", input, "--shape", "730,19,36", "--chunks", "30,19,36", "--fill-fraction", "0.02",
    ])
    func out(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // Exact agreement: time mean, population standard deviation, monthly climatology.
    for (cdo, floeArguments) in [
      ("timmean", ["--op", "mean"]), ("timstd", ["--op", "std"]),
      ("ymonmean", ["--op", "mean", "--by", "time.month"]),
    ] {
      try tool(["cdo", "-s", cdo, input, out("cdo-\(cdo).nc")])
      try floe(["reduce", input, "--var", "tas"] + floeArguments + ["-o", out("floe-\(cdo).nc")])
      let peer = try values(out("cdo-\(cdo).nc"))
      let ours = try values(out("floe-\(cdo).nc"))
      XCTAssertEqual(peer.count, ours.count, cdo)
      let worst = zip(peer, ours).map { abs($0 - $1) }.max() ?? .infinity
      XCTAssertEqual(worst, 0, "cdo \(cdo) differs by up to \(worst)")
    }

    // A box in time, latitude and longitude, as CDO's seldate and sellonlatbox choose it.
    try tool([
      "cdo", "-s", "timmean", "-seldate,2000-03-01,2000-05-31", "-sellonlatbox,100,200,-70,-50",
      input, out("cdo-box.nc"),
    ])
    try floe([
      "reduce", input, "--var", "tas", "--op", "mean", "--sel", "time=2000-03-01:2000-05-31",
      "--isel", "lat=2:5", "--sel", "lon=100:200", "-o", out("floe-box.nc"),
    ])
    XCTAssertEqual(try values(out("cdo-box.nc")), try values(out("floe-box.nc")))

    // The CDO-style commands against the CDO operators of the same names.
    for name in [
      "timsum", "timmin", "timmax", "timvar", "yseasmean", "yearmean", "monmean", "daymean",
      "fldsum",
    ] {
      try tool(["cdo", "-s", name, input, out("cdo-\(name).nc")])
      try floe([name, input, out("floe-\(name).nc")])
      let peer = try values(out("cdo-\(name).nc"))
      let ours = try values(out("floe-\(name).nc"))
      XCTAssertEqual(peer.count, ours.count, name)
      let worst = zip(peer, ours).map { abs($0 - $1) / max(abs($0), 1) }.max() ?? .infinity
      XCTAssertLessThanOrEqual(
        worst, 0, "floe \(name) differs from cdo \(name) by up to \(worst) relative")
    }

    // Anomalies: CDO subtracts its climatology as stored in float32, Floe the float64 one;
    // they differ by at most half a float32 ulp of the climatology (1.5e-5 at 280 K).
    try tool(["cdo", "-s", "ymonsub", input, "-ymonmean", input, out("cdo-anomaly.nc")])
    try floe(["anomaly", input, "--var", "tas", "--by", "time.month", "-o", out("floe-anomaly.nc")])
    let peerAnomaly = try values(out("cdo-anomaly.nc"))
    let ourAnomaly = try values(out("floe-anomaly.nc"))
    XCTAssertEqual(peerAnomaly.count, ourAnomaly.count)
    for (p, o) in zip(peerAnomaly, ourAnomaly) where p != 1e20 && o < 1e30 {
      XCTAssertEqual(o, p, accuracy: 3.1e-5)
    }

    // Percentiles: CDO's timpctl bins values into CDO_PCTL_NBINS (default 101) between the
    // minimum and the maximum; with enough bins to keep every value and numpy's definition,
    // its 95th percentile is Floe's exactly.
    let pctl = try MPIRun.run(
      "/usr/bin/env",
      [
        "cdo", "-s", "--percentile", "numpy", "timpctl,95", input, "-timmin", input, "-timmax",
        input, out("cdo-p95.nc"),
      ],
      timeout: 120, environment: ["CDO_PCTL_NBINS": "10001"])
    XCTAssertSucceeded(pctl, "cdo timpctl,95")
    try floe(["reduce", input, "--var", "tas", "--op", "p95", "-o", out("floe-p95.nc")])
    XCTAssertEqual(try values(out("cdo-p95.nc")), try values(out("floe-p95.nc")))
    try floe(["timpctl,95", input, out("floe-timpctl.nc")])
    XCTAssertEqual(try values(out("cdo-p95.nc")), try values(out("floe-timpctl.nc")))
    // Monthly percentiles (CDO's ymonpctl, the same settings): equal to within one float32
    // step, the rounding of two ways of writing the interpolation.
    let ymonpctl = try MPIRun.run(
      "/usr/bin/env",
      [
        "cdo", "-s", "--percentile", "numpy", "ymonpctl,90", input, "-ymonmin", input,
        "-ymonmax", input, out("cdo-ymonp90.nc"),
      ],
      timeout: 120, environment: ["CDO_PCTL_NBINS": "10001"])
    XCTAssertSucceeded(ymonpctl, "cdo ymonpctl,90")
    try floe([
      "reduce", input, "--var", "tas", "--op", "p90", "--by", "time.month", "-o",
      out("floe-ymonp90.nc"),
    ])
    let peerMonthly = try values(out("cdo-ymonp90.nc"))
    let ourMonthly = try values(out("floe-ymonp90.nc"))
    XCTAssertEqual(peerMonthly.count, 12 * 19 * 36)
    XCTAssertEqual(peerMonthly.count, ourMonthly.count)
    for (p, o) in zip(peerMonthly, ourMonthly) { XCTAssertEqual(o, p, accuracy: p.ulp) }

    // The same data in two files (split by NCO), given in reverse order: the same results.
    try tool(["ncks", "-O", "-d", "time,0,364", input, out("year1.nc")])
    try tool(["ncks", "-O", "-d", "time,365,729", input, out("year2.nc")])
    for np in [1, 3] {
      XCTAssertSucceeded(
        try MPIRun.mpirun(
          np, "floe",
          [
            "reduce", out("year2.nc"), out("year1.nc"), "--var", "tas", "--op", "mean", "-o",
            out("joined-\(np).nc"),
          ]),
        "reduce of two files on \(np) ranks")
      XCTAssertEqual(try values(out("joined-\(np).nc")), try values(out("floe-timmean.nc")))
    }
    try floe(["ymonmean", out("year2.nc"), out("year1.nc"), out("joined-ymonmean.nc")])
    XCTAssertEqual(try values(out("joined-ymonmean.nc")), try values(out("cdo-ymonmean.nc")))
    // Two data variables: CDO-style commands reduce both, as CDO does, in one pass.
    try tool(["ncap2", "-O", "-s", "pr=tas*0.001f", input, out("two-vars.nc")])
    try tool(["cdo", "-s", "timstd", out("two-vars.nc"), out("cdo-two-vars.nc")])
    try floe(["timstd", out("two-vars.nc"), out("floe-two-vars.nc")])
    for variable in ["tas", "pr"] {
      XCTAssertEqual(
        try values(out("floe-two-vars.nc"), variable), try values(out("cdo-two-vars.nc"), variable),
        variable)
    }
    // Percentiles and anomalies of two files, the second in other time units: the same
    // values, and the anomaly's time coordinate is the joined one in the first file's units.
    try tool(["ncap2", "-O", "-s", "time=time-366", out("year2.nc"), out("year2-2001.nc")])
    try tool([
      "ncatted", "-O", "-a", "units,time,o,c,days since 2001-01-01 00:00:00", out("year2-2001.nc"),
    ])
    let twoFiles = [out("year2-2001.nc"), out("year1.nc")]
    try floe(["reduce"] + twoFiles + ["--var", "tas", "--op", "p95", "-o", out("joined-p95.nc")])
    XCTAssertEqual(try values(out("joined-p95.nc")), try values(out("floe-p95.nc")))
    try floe(["anomaly", input, "--var", "tas", "--by", "time.month", "-o", out("anomaly.nc")])
    try floe(
      ["anomaly"] + twoFiles + [
        "--var", "tas", "--by", "time.month", "-o", out("joined-anomaly.nc"),
      ])
    XCTAssertEqual(try values(out("joined-anomaly.nc")), try values(out("anomaly.nc")))
    XCTAssertEqual(
      try File.open(out("joined-anomaly.nc")).dataset("time").readAll(Double.self),
      try File.open(input).dataset("time").readAll(Double.self))
    let overlap = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", out("year1.nc"), out("year1.nc"), "--var", "tas", "--op", "mean", "-o",
        out("x.nc"),
      ])
    XCTAssertEqual(overlap.status, 1)
    XCTAssertEqual(overlap.errorLines.count, 1, overlap.stderr)
    XCTAssertTrue(overlap.stderr.contains("overlap in time"), overlap.stderr)
    try floe(["gen", "-o", out("other-grid.nc"), "--shape", "10,5,8"])
    let mismatch = try MPIRun.mpirun(
      3, "floe",
      [
        "reduce", out("year1.nc"), out("other-grid.nc"), "--var", "tas", "--op", "mean", "-o",
        out("y.nc"),
      ])
    XCTAssertEqual(mismatch.status, 1)
    XCTAssertTrue(
      mismatch.stderr.contains(
        "does not continue \(out("year1.nc")): 'tas' has shape [5, 8] there and [19, 36]"),
      mismatch.stderr)

    // NCO's record average is the same time mean.
    try tool(["ncra", "-O", input, out("ncra.nc")])
    XCTAssertEqual(try values(out("ncra.nc")), try values(out("floe-timmean.nc")))

    // Field mean: CDO weights by its cell areas (great-circle cell edges), Floe by the exact
    // zone areas of the latitude bounds; the areas differ by up to 0.5 %, the means by
    // up to 2e-4 relative.
    try tool(["cdo", "-s", "fldmean", input, out("cdo-fldmean.nc")])
    try floe([
      "reduce", input, "--var", "tas", "--op", "mean", "--over", "lat,lon", "--weights", "coslat",
      "-o", out("floe-fldmean.nc"),
    ])
    let peer = try values(out("cdo-fldmean.nc"))
    let ours = try values(out("floe-fldmean.nc"))
    XCTAssertEqual(peer.count, 730)
    for (p, o) in zip(peer, ours) { XCTAssertEqual(o, p, accuracy: abs(p) * 2e-4) }
  }
}
