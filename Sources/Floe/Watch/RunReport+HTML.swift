import FloeRuntime

/// The report as one self-contained HTML page: inline CSS and SVG, no script, no network.
extension RunReport {
  func html() -> String {
    var page = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>floe run report</title>
      <style>
      body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
      pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}
      table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
      th{background:#eee}.failed{color:#b00}.stopped{color:#a60}.done{color:#070}
      .read{fill:#4c78a8}.compute{fill:#f58518}.exchange{fill:#54a24b}.idle{fill:#e8e8e8}
      .budget{stroke:#b00;stroke-width:2}
      </style></head><body>
      <h1>floe run report</h1>
      <p><code>\(escape(command))</code></p>
      <p>Floe \(escape(floeVersion)), started \(escape(started)) on \(escape(host)), \(ranks) rank(s),
      \(workers) worker(s)\(hostsText), memory per rank \(Format.bytes(memoryPerRankBytes)):
      <b class="\(status)">\(status)</b> in \(Format.decimal(wallSeconds, 2)) s.</p>

      """
    if let error { page += "<h2>Error</h2><pre class=\"failed\">\(escape(error))</pre>\n" }
    for phase in phases { page += section(phase) }
    page += "</body></html>\n"
    return page
  }

  /// " on 2 hosts (floe1: ranks 0-1, floe2: ranks 2-3)"
  private var hostsText: String {
    guard !hosts.isEmpty else { return "" }
    let groups = Placement(hosts: hosts).ranksByHost
    return " on \(groups.count) host(s) ("
      + groups.map { "\(escape($0.host)): ranks \(Placement.spans($0.ranks))" }.joined(
        separator: ", ")
      + ")"
  }

  private func section(_ phase: Phase) -> String {
    var text = "<h2>\(escape(phase.name))</h2>\n<pre>\(escape(phase.plan))</pre>\n"
    if let s = phase.summary {
      text += """
        <table><tr><th>\(escape(phase.counts))</th><th>supersteps</th><th>read</th><th>wall</th>
        <th>rate</th><th>floor: longest read of a worker</th><th>wall / floor</th></tr>
        <tr><td>\(s.units)</td><td>\(s.supersteps)</td><td>\(Format.bytes(s.bytesRead))</td>
        <td>\(Format.decimal(s.wallSeconds, 3)) s</td><td>\(Format.decimal(s.gigabytesPerSecond, 2)) GB/s</td>
        <td>\(Format.decimal(s.readFloorSeconds, 3)) s</td><td>\(Format.decimal(s.wallOverFloor, 2))x</td></tr></table>

        """
    }
    text += "<h3>Timeline</h3>\n" + timeline(phase)
    if let s = phase.summary {
      text += "<h3>Peak memory per rank</h3>\n" + memory(s.workers)
      text += "<h3>Per worker</h3>\n" + table(s.workers)
    }
    return text
  }

  /// Every superstep of every worker: read, compute and exchange from the superstep's start
  /// (as the worker reported them), idle for the rest until rank 0 had every report.
  private func timeline(_ phase: Phase) -> String {
    let steps = Self.binned(phase.supersteps, atMost: 600)
    let end = max(steps.map(\.ended).max() ?? 0, 1e-6)
    let rows = max(1, steps.map(\.workers.count).max() ?? 1)
    let (left, width, rowHeight) = (70.0, 1000.0, 18.0)
    let height = Double(rows) * rowHeight + 40
    let x = { (t: Double) in left + t / end * width }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + width + 10))" height="\(Int(height))" role="img" aria-label="timeline">

      """
    for (i, step) in steps.enumerated() {
      for (row, work) in step.workers.enumerated() {
        let y = Double(row) * rowHeight + 4
        let span = max(step.ended - step.started, 0)
        svg += rect(
          x(step.started), y, span / end * width, rowHeight - 4, "idle",
          "superstep \(i) (\(step.kind.rawValue)): \(Format.decimal(span, 3)) s")
        var t = step.started
        for (part, seconds) in [
          ("read", work.readSeconds), ("compute", work.computeSeconds),
          ("exchange", work.exchangeSeconds),
        ] where seconds > 0 {
          let w = min(seconds, max(step.ended - t, 0))
          svg += rect(
            x(t), y, w / end * width, rowHeight - 4, part,
            "rank \(work.rank), superstep \(i): \(part) \(Format.decimal(seconds, 3)) s")
          t += w
        }
      }
    }
    for row in 0..<rows {
      let rank = steps.first?.workers[safe: row]?.rank ?? row
      svg += "<text x=\"4\" y=\"\(Int(Double(row) * rowHeight + 16))\">rank \(rank)</text>\n"
    }
    let axis = Double(rows) * rowHeight + 20
    svg += "<text x=\"\(Int(left))\" y=\"\(Int(axis))\">0 s</text>"
    svg +=
      "<text x=\"\(Int(left + width - 60))\" y=\"\(Int(axis))\">\(Format.decimal(end, 2)) s</text>\n"
    var legendX = left + 150
    for part in ["read", "compute", "exchange", "idle"] {
      svg += rect(legendX, axis + 6, 12, 12, part, part)
      svg += "<text x=\"\(Int(legendX + 16))\" y=\"\(Int(axis + 17))\">\(part)</text>\n"
      legendX += 100
    }
    return svg + "</svg>\n"
  }

  /// Each worker's peak resident memory against the budget (the red line).
  private func memory(_ workers: [Work]) -> String {
    let top = Double(max(memoryPerRankBytes, workers.map(\.peakRSSBytes).max() ?? 1)) * 1.1
    let (left, width, rowHeight) = (70.0, 800.0, 18.0)
    let height = Double(workers.count) * rowHeight + 10
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + width + 120))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"memory\">\n"
    for (row, w) in workers.enumerated() {
      let y = Double(row) * rowHeight + 2
      svg += rect(
        left, y, Double(w.peakRSSBytes) / top * width, rowHeight - 4, "read",
        "rank \(w.rank): \(Format.bytes(w.peakRSSBytes))")
      svg += "<text x=\"4\" y=\"\(Int(y + 12))\">rank \(w.rank)</text>"
      svg +=
        "<text x=\"\(Int(left + Double(w.peakRSSBytes) / top * width + 6))\" y=\"\(Int(y + 12))\">\(Format.bytes(w.peakRSSBytes))</text>\n"
    }
    let budget = left + Double(memoryPerRankBytes) / top * width
    svg +=
      "<line class=\"budget\" x1=\"\(budget)\" x2=\"\(budget)\" y1=\"0\" y2=\"\(height)\"><title>memory per rank \(Format.bytes(memoryPerRankBytes))</title></line>\n"
    return svg + "</svg>\n"
  }

  private func table(_ workers: [Work]) -> String {
    var text =
      "<table><tr><th>rank</th><th>units</th><th>read</th><th>read s</th><th>compute s</th><th>exchange s</th><th>wait s</th><th>peak RSS</th><th>sent within host</th><th>sent across hosts</th></tr>\n"
    for w in workers {
      let cells = [
        "\(w.rank)", "\(w.units)", Format.bytes(w.bytesRead), Format.decimal(w.readSeconds, 3),
        Format.decimal(w.computeSeconds, 3), Format.decimal(w.exchangeSeconds, 3),
        Format.decimal(w.waitSeconds, 3), Format.bytes(w.peakRSSBytes),
        "\(w.messagesWithinHost) (\(Format.bytes(w.bytesSentWithinHost)))",
        "\(w.messagesAcrossHosts) (\(Format.bytes(w.bytesSentAcrossHosts)))",
      ]
      text += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
    }
    return text + "</table>\n"
  }

  private func rect(
    _ x: Double, _ y: Double, _ w: Double, _ h: Double, _ part: String, _ title: String
  ) -> String {
    "<rect class=\"\(part)\" x=\"\(Format.decimal(x, 1))\" y=\"\(Format.decimal(y, 1))\" width=\"\(Format.decimal(max(w, 0), 2))\" height=\"\(Format.decimal(h, 1))\"><title>\(escape(title))</title></rect>\n"
  }

  /// At most `atMost` supersteps to draw: consecutive ones merged, their times added.
  static func binned(_ steps: [Superstep], atMost: Int) -> [Superstep] {
    guard steps.count > atMost else { return steps }
    let size = (steps.count + atMost - 1) / atMost
    return stride(from: 0, to: steps.count, by: size).map { first in
      let part = steps[first..<min(steps.count, first + size)]
      var merged = part.first!
      merged.ended = part.last!.ended
      for next in part.dropFirst() {
        for (w, work) in next.workers.enumerated() where w < merged.workers.count {
          merged.workers[w].readSeconds += work.readSeconds
          merged.workers[w].computeSeconds += work.computeSeconds
          merged.workers[w].exchangeSeconds += work.exchangeSeconds
        }
      }
      return merged
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// Text made safe inside HTML.
func escape(_ text: String) -> String {
  var out = ""
  for c in text {
    switch c {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    default: out.append(c)
    }
  }
  return out
}
