import Foundation
import Yams

/// A job file (`floe run JOB.yaml`): steps that run in order on the same ranks, each one
/// floe command written as YAML keys instead of options, with shared defaults:
///
///     defaults:
///       memory-per-rank: 2GiB
///       report: reports          # a folder: reports/step-1-reduce.html and .json, ...
///       checkpoint: checkpoints  # a folder: checkpoints/step-1, ... (created)
///     steps:
///       - reduce: {input: tas.nc, var: tas, op: mean, by: time.month, output: clim.nc}
///       - anomaly: {input: tas.nc, var: tas, by: time.month, output: anomalies.nc}
///
/// A key no step of that kind takes is an error naming the key and its line.
struct JobFile {
  struct Step: Codable {
    var kind: String
    /// floe's command line for the step, without "floe".
    var arguments: [String]
    var line: Int
    /// Its output exists and `--resume` was given: done in an earlier attempt.
    var skipped = false
  }

  var steps: [Step] = []

  /// The options each kind of step takes (as `floe KIND --help` names them), and its flags.
  static let kinds: [String: (options: Set<String>, flags: Set<String>)] = [
    "reduce": (
      [
        "input", "var", "op", "over", "weights", "by", "resample", "sel", "isel", "dtype", "output",
        "memory-per-rank", "memory-per-node", "checkpoint", "checkpoint-every",
        "checkpoint-seconds",
        "progress-every", "report",
      ], ["overwrite", "resume", "quiet"]
    ),
    "anomaly": (
      [
        "input", "var", "by", "resample", "output", "memory-per-rank", "memory-per-node",
        "checkpoint", "checkpoint-every", "checkpoint-seconds", "progress-every", "report",
      ], ["overwrite", "resume", "quiet"]
    ),
  ]
  static let defaultKeys: Set<String> = [
    "memory-per-rank", "memory-per-node", "checkpoint", "checkpoint-every", "checkpoint-seconds",
    "report", "overwrite", "quiet", "progress-every",
  ]

  /// Reads and checks the job file at `path`; with `resume`, steps whose output exists are
  /// skipped and the others resume from their checkpoints.
  init(yaml: String, path: String, resume: Bool) throws {
    let root: Node?
    do { root = try Yams.compose(yaml: yaml) } catch {
      throw JobFileError("\(path): not YAML: \(error)")
    }
    guard let top = root?.mapping else {
      throw JobFileError("\(path): a job file is a mapping with 'steps' (and 'defaults')")
    }
    func place(_ node: Node) -> String { "\(path):\(node.mark?.line ?? 0)" }
    var defaults: [(key: String, value: Node)] = []
    var stepNodes: [Node]?
    for (key, value) in top {
      switch key.string {
      case "defaults":
        guard let mapping = value.mapping else {
          throw JobFileError("\(place(value)): 'defaults' is a mapping of options")
        }
        for (k, v) in mapping {
          guard let name = k.string, Self.defaultKeys.contains(name) else {
            throw JobFileError(
              "\(place(k)): unknown key '\(k.string ?? "?")' in defaults; they take: "
                + Self.defaultKeys.sorted().joined(separator: ", "))
          }
          defaults.append((name, v))
        }
      case "steps":
        guard let sequence = value.sequence, !sequence.isEmpty else {
          throw JobFileError("\(place(value)): 'steps' is a list of steps")
        }
        stepNodes = Array(sequence)
      default:
        throw JobFileError(
          "\(place(key)): unknown key '\(key.string ?? "?")'; a job file has 'defaults' and 'steps'"
        )
      }
    }
    guard let stepNodes else { throw JobFileError("\(path): no 'steps'") }
    for (n, node) in stepNodes.enumerated() {
      steps.append(
        try Self.step(node, number: n + 1, defaults: defaults, place: place, resume: resume))
    }
  }

  private static func step(
    _ node: Node, number: Int, defaults: [(key: String, value: Node)],
    place: (Node) -> String, resume: Bool
  ) throws -> Step {
    guard let mapping = node.mapping, mapping.count == 1, let (kindNode, body) = mapping.first,
      let kind = kindNode.string
    else {
      throw JobFileError(
        "\(place(node)): step \(number) is one of: \(kinds.keys.sorted().joined(separator: ", ")), with its options"
      )
    }
    guard let (options, flags) = kinds[kind] else {
      throw JobFileError(
        "\(place(kindNode)): unknown step '\(kind)'; steps are: \(kinds.keys.sorted().joined(separator: ", "))"
      )
    }
    guard let fields = body.mapping else {
      throw JobFileError("\(place(body)): step \(number) (\(kind)) is a mapping of its options")
    }
    var given: [(key: String, value: Node)] = []
    for (k, v) in fields {
      guard let name = k.string, options.contains(name) || flags.contains(name) else {
        throw JobFileError(
          "\(place(k)): unknown key '\(k.string ?? "?")' in step \(number) (\(kind)); it takes: "
            + options.union(flags).sorted().joined(separator: ", "))
      }
      given.append((name, v))
    }
    // Defaults the step does not set itself, where its kind takes them.
    let own = Set(given.map(\.key))
    // A step's own memory option, of either kind, replaces the defaults' memory option.
    let memoryKeys: Set = ["memory-per-rank", "memory-per-node"]
    var all = given
    for (key, value) in defaults
    where !own.contains(key) && !(memoryKeys.contains(key) && !own.isDisjoint(with: memoryKeys)) {
      if key == "report", let folder = value.string, options.contains("report") {
        let stem = (folder as NSString).appendingPathComponent("step-\(number)-\(kind)")
        all.append(
          (key, Node.sequence(Node.Sequence([Node(stem + ".html"), Node(stem + ".json")]))))
      } else if key == "checkpoint", let folder = value.string, options.contains("checkpoint") {
        all.append((key, Node((folder as NSString).appendingPathComponent("step-\(number)"))))
      } else if options.contains(key) || flags.contains(key) {
        all.append((key, value))
      }
    }
    var arguments = [kind]
    var output: String?
    for (key, value) in all {
      let values = value.sequence.map { $0.compactMap(\.string) } ?? value.string.map { [$0] } ?? []
      guard !values.isEmpty else {
        throw JobFileError("\(place(value)): '\(key)' in step \(number) (\(kind)) has no value")
      }
      if flags.contains(key) {
        guard let on = value.bool else {
          throw JobFileError(
            "\(place(value)): '\(key)' in step \(number) (\(kind)) is true or false")
        }
        if on { arguments.append("--\(key)") }
      } else if key == "input" {
        arguments += values
      } else {
        if key == "output" { output = values[0] }
        for v in values { arguments += ["--\(key)", v] }
      }
    }
    guard all.contains(where: { $0.key == "input" }) else {
      throw JobFileError("\(place(body)): step \(number) (\(kind)) has no 'input'")
    }
    let skipped = resume && output.map { FileManager.default.fileExists(atPath: $0) } == true
    if resume && !skipped && options.contains("checkpoint")
      && all.contains(where: { $0.key == "checkpoint" })
    {
      arguments.append("--resume")
    }
    return Step(kind: kind, arguments: arguments, line: node.mark?.line ?? 0, skipped: skipped)
  }

  /// The checkpoint folders the steps name (made before they run).
  var checkpointFolders: [String] {
    steps.compactMap { step in
      step.arguments.firstIndex(of: "--checkpoint").map { step.arguments[$0 + 1] }
    }
  }
}

/// A job file that cannot be run, in one sentence naming the file and line.
struct JobFileError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
