import ArgumentParser
import Floe
import FloeHDF5
import FloeMPI
import FloeRuntime

struct InfoCommand: DistributedCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Show dimensions, variables, attributes and storage of netCDF-4 / HDF5 files.",
    discussion: """
      Prints what `ncdump -h` shows, plus how each variable is stored: layout, chunk shape, filters, bytes on disk and chunks stored. Under mpirun only rank 0 reads and prints.
      """
  )

  @Argument(help: "The files to describe.")
  var files: [String]

  func run(world: Communicator) throws {
    _ = try Agreement.rankZero(world) {
      for (n, path) in files.enumerated() {
        let file = try File.open(path)
        if n > 0 { print() }
        print(FileReport.text(try file.describe()), terminator: "")
      }
    }
  }
}
