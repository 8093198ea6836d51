import Foundation

/// One rank count of a strong-scaling study (`floe scaling`): the medians over its runs.
public struct ScalingPoint: Sendable, Equatable {
  public var ranks: Int
  public var workers: Int
  /// The whole command, launcher start-up included.
  public var wallSeconds: Double
  /// Floe's own run (first superstep to the written output), from its summary.
  public var runSeconds: Double
  /// Per worker, the median worker's seconds of each phase.
  public var read: Double
  public var compute: Double
  public var exchange: Double
  public var wait: Double

  public init(
    ranks: Int, workers: Int, wallSeconds: Double, runSeconds: Double, read: Double,
    compute: Double, exchange: Double, wait: Double
  ) {
    self.ranks = ranks
    self.workers = workers
    self.wallSeconds = wallSeconds
    self.runSeconds = runSeconds
    self.read = read
    self.compute = compute
    self.exchange = exchange
    self.wait = wait
  }
}

/// Reading run summaries and writing the study as CSV, Markdown and SVG.
public enum Scaling {
  /// The figures of a `floe reduce` run summary (standard error): Floe's run seconds and
  /// the median worker's read, compute, exchange and wait seconds; nil if absent.
  public static func parse(summary: String) -> (
    run: Double, read: Double, compute: Double, exchange: Double, wait: Double
  )? {
    var run: Double?
    var phases: [String: Double] = [:]
    for line in summary.split(separator: "\n") {
      let words = line.split(separator: " ").map(String.init)
      // "floe: done: ... <bytes> read in <seconds> s (<rate> GB/s)": after the last "in".
      if line.hasPrefix("floe: done:"), let last = words.lastIndex(of: "in"),
        last + 1 < words.count
      {
        run = Double(words[last + 1])
      }
      if line.hasPrefix("floe: per worker") {
        // "read a / b / c s, compute a / b / c s, ...": the median is the middle figure.
        for phase in ["read", "compute", "exchange", "wait"] {
          if let i = words.firstIndex(of: phase), i + 3 < words.count {
            phases[phase] = Double(words[i + 3])
          }
        }
      }
    }
    guard let run, let read = phases["read"], let compute = phases["compute"],
      let exchange = phases["exchange"], let wait = phases["wait"]
    else { return nil }
    return (run, read, compute, exchange, wait)
  }

  /// Speed-up of each point over the first, by whole-command wall time.
  public static func speedUp(_ points: [ScalingPoint]) -> [Double] {
    guard let base = points.first?.wallSeconds else { return [] }
    return points.map { base / $0.wallSeconds }
  }

  /// Parallel efficiency: speed-up over the growth in workers since the first point, by
  /// whole-command wall time.
  public static func efficiency(_ points: [ScalingPoint]) -> [Double] {
    efficiency(points, speedUp: speedUp(points))
  }

  /// Parallel efficiency by Floe's own run time (the workers' part: without the launcher and
  /// MPI's start-up and shut-down, which weigh on every rank count alike).
  public static func runEfficiency(_ points: [ScalingPoint]) -> [Double] {
    guard let base = points.first?.runSeconds else { return [] }
    return efficiency(points, speedUp: points.map { base / $0.runSeconds })
  }

  private static func efficiency(_ points: [ScalingPoint], speedUp: [Double]) -> [Double] {
    guard let base = points.first?.workers else { return [] }
    return zip(speedUp, points).map { $0 / (Double($1.workers) / Double(base)) }
  }

  public static func csv(_ points: [ScalingPoint]) -> String {
    var lines = [
      "ranks,workers,wall_s,run_s,speed_up,efficiency,read_s,compute_s,exchange_s,wait_s,run_efficiency"
    ]
    for (i, p) in points.enumerated() {
      let values = [
        p.wallSeconds, p.runSeconds, speedUp(points)[i], efficiency(points)[i], p.read, p.compute,
        p.exchange, p.wait, runEfficiency(points)[i],
      ].map { String(format: "%.4f", $0) }
      lines.append(([String(p.ranks), String(p.workers)] + values).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func markdown(_ points: [ScalingPoint]) -> String {
    var lines = [
      "| ranks | workers | wall (s) | Floe run (s) | speed-up | efficiency | by run time | read | compute | exchange | wait |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (i, p) in points.enumerated() {
      lines.append(
        "| \(p.ranks) | \(p.workers) | "
          + [p.wallSeconds, p.runSeconds, speedUp(points)[i]].map { String(format: "%.3f", $0) }
          .joined(separator: " | ") + " | " + String(format: "%.0f%%", 100 * efficiency(points)[i])
          + " | " + String(format: "%.0f%%", 100 * runEfficiency(points)[i]) + " | "
          + [p.read, p.compute, p.exchange, p.wait].map { String(format: "%.3f", $0) }.joined(
            separator: " | ") + " |")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Two panels: speed-up against workers (with the ideal line), and the median worker's
  /// seconds per phase as stacked bars for each rank count.
  public static func svg(_ points: [ScalingPoint], title: String) -> String {
    let width = 760.0
    let height = 320.0
    let panel = 300.0
    let top = 40.0
    let left = 50.0
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left)" y="18" font-size="13">\(escape(title))</text>

      """
    let speed = speedUp(points)
    let maxWorkers = Double(points.map(\.workers).max() ?? 1)
    let maxSpeed = max(speed.max() ?? 1, maxWorkers / Double(points.first?.workers ?? 1))
    func x(_ w: Double) -> Double { left + (w / maxWorkers) * (panel - 20) }
    func y(_ s: Double) -> Double { top + panel * 0.75 - s / maxSpeed * panel * 0.75 }
    out += axes(left: left, top: top, width: panel - 20, height: panel * 0.75)
    out += "<text x=\"\(left)\" y=\"\(top - 6)\">speed-up (vs. the first) by workers</text>\n"
    // The ideal: speed-up equal to the growth in workers.
    let base = Double(points.first?.workers ?? 1)
    out +=
      "<line x1=\"\(x(base))\" y1=\"\(y(1))\" x2=\"\(x(maxWorkers))\" y2=\"\(y(maxWorkers / base))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n"
    let path = zip(points, speed).map { "\(x(Double($0.workers))),\(y($1))" }.joined(separator: " ")
    out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
    for (p, s) in zip(points, speed) {
      out +=
        "<circle cx=\"\(x(Double(p.workers)))\" cy=\"\(y(s))\" r=\"3\" fill=\"#1f77b4\"/><text x=\"\(x(Double(p.workers)) + 5)\" y=\"\(y(s) - 5)\">np \(p.ranks): \(String(format: "%.2f", s))x</text>\n"
    }
    // Stacked phases.
    let phases: [(String, String, KeyPath<ScalingPoint, Double>)] = [
      ("read", "#1f77b4", \.read), ("compute", "#ff7f0e", \.compute),
      ("exchange", "#2ca02c", \.exchange), ("wait", "#d62728", \.wait),
    ]
    let left2 = left + panel + 60
    let maxTotal = points.map { p in phases.reduce(0) { $0 + p[keyPath: $1.2] } }.max() ?? 1
    out += axes(left: left2, top: top, width: panel - 20, height: panel * 0.75)
    out += "<text x=\"\(left2)\" y=\"\(top - 6)\">median worker's seconds by phase</text>\n"
    let barWidth = (panel - 40) / Double(max(points.count, 1))
    for (i, p) in points.enumerated() {
      var base = top + panel * 0.75
      let bx = left2 + 10 + Double(i) * barWidth
      for (_, color, key) in phases {
        let h = p[keyPath: key] / max(maxTotal, 1e-9) * panel * 0.7
        base -= h
        out +=
          "<rect x=\"\(bx)\" y=\"\(base)\" width=\"\(barWidth * 0.6)\" height=\"\(h)\" fill=\"\(color)\"/>\n"
      }
      out +=
        "<text x=\"\(bx)\" y=\"\(top + panel * 0.75 + 14)\">np \(p.ranks)</text><text x=\"\(bx)\" y=\"\(base - 4)\">\(String(format: "%.2f", maxTotal > 0 ? phases.reduce(0) { $0 + p[keyPath: $1.2] } : 0)) s</text>\n"
    }
    for (k, (name, color, _)) in phases.enumerated() {
      let lx = left2 + Double(k) * 70
      out +=
        "<rect x=\"\(lx)\" y=\"\(height - 22)\" width=\"10\" height=\"10\" fill=\"\(color)\"/><text x=\"\(lx + 14)\" y=\"\(height - 13)\">\(name)</text>\n"
    }
    return out + "</svg>\n"
  }

  private static func axes(left: Double, top: Double, width: Double, height: Double) -> String {
    "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + height)\" stroke=\"black\"/>"
      + "<line x1=\"\(left)\" y1=\"\(top + height)\" x2=\"\(left + width)\" y2=\"\(top + height)\" stroke=\"black\"/>\n"
  }

  private static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
