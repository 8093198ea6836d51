import ArgumentParser
import Floe
import FloeMPI
import FloeRuntime

struct GenCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "gen",
    abstract: "Write a synthetic CF dataset tas(time, lat, lon), in parallel.",
    discussion: """
      float32 near-surface air temperature in K with a latitude gradient, a seasonal cycle and noise; daily time in "days since 2000-01-01" (standard calendar); lat -90..90 degrees_north, lon 0..360 degrees_east. A fraction of points is missing (_FillValue 1e20). The data bytes are the same for any number of ranks and the same seed.
      """
  )

  @Option(name: .shortAndLong, help: "The file to write.")
  var output: String

  @Option(help: "Sizes T,Y,X (time, lat, lon).")
  var shape: Shape = Shape(SyntheticDataset.defaultShape)

  @Option(help: "Storage chunk sizes T,Y,X (default: min(24,T),Y,X).")
  var chunks: Shape?

  @Option(help: "zlib compression level 1-9, with byte shuffle (default: none).")
  var deflate: Int?

  @Option(help: "Seed of the noise and of the missing points.")
  var seed: UInt64 = 0

  @Option(help: "Fraction of points that are missing, 0 to 1.")
  var fillFraction: Double = 0.01

  @Option(name: .customLong("var"), help: "The variable's name.")
  var variable: String = "tas"

  @Flag(help: "Replace the output if it exists.")
  var overwrite = false

  func run(world: Communicator) throws {
    let dataset = SyntheticDataset(
      shape: shape.sizes, chunks: chunks?.sizes, deflateLevel: deflate, seed: seed,
      fillFraction: fillFraction, variable: variable)
    let start = MPI.wallTime()
    try Agreement.everyRank(world) {
      try dataset.validate()
      try dataset.write(to: output, communicator: world, overwrite: overwrite)
    }
    if world.rank == 0 {
      let bytes = dataset.shape.reduce(4, *)
      let seconds = MPI.wallTime() - start
      print(
        "floe gen: wrote \(output): \(variable)(\(dataset.shape.map(String.init).joined(separator: ", "))) "
          + "float32, \(Format.bytes(bytes)) of data in \(Format.decimal(seconds, 3)) s on \(world.size) rank(s)"
      )
    }
  }
}

/// Sizes given as "T,Y,X".
struct Shape: ExpressibleByArgument {
  var sizes: [Int]
  init(_ sizes: [Int]) { self.sizes = sizes }
  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
    guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
    sizes = parts.map { $0! }
  }
  var defaultValueDescription: String { sizes.map(String.init).joined(separator: ",") }
}
