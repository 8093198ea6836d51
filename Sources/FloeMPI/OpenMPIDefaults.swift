#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Open MPI settings that Floe fills in before MPI starts, where their answer is known.
///
/// Open MPI 4 first tries its `cm` point-to-point layer (PML), which loads the PSM, PSM2
/// and libfabric libraries to look for an Omni-Path, InfiniPath or other fabric. On a node
/// with none, each declines and the `ob1` layer (shared memory, TCP) is chosen: the probe
/// cost 0.2 s of every `MPI_Init` on the project's VM (`mpirun -np 3` of a program that only
/// starts and ends MPI: 0.39 s, 0.18 s with `OMPI_MCA_pml=ob1`). So when nothing has named a
/// PML or MTL (the environment, which `mpirun --mca` and `srun` fill; Open MPI's parameter
/// files) and the node has no fabric device, Floe names `ob1` itself: the layer Open MPI
/// would pick there, without the probe. A site's own choice is never overridden.
public enum OpenMPIDefaults {
  /// The environment variable Open MPI reads for its point-to-point layer.
  public static let pmlVariable = "OMPI_MCA_pml"

  /// The PML to name for this node, or `nil` to leave the choice to Open MPI.
  ///
  /// - Parameters:
  ///   - environment: this process's environment.
  ///   - parameterFiles: the contents of each Open MPI parameter file that exists.
  ///   - fabricDevices: the fabric devices present on this node (paths, or empty).
  public static func pml(
    environment: [String: String], parameterFiles: [String], fabricDevices: [String]
  ) -> String? {
    let fromEnvironment = environment.compactMap { key, value in
      key.hasPrefix("OMPI_MCA_") ? (String(key.dropFirst("OMPI_MCA_".count)), value) : nil
    }
    let settings = fromEnvironment + parameterFiles.flatMap(settings(in:))
    if settings.contains(where: choosesPML) { return nil }
    if !fabricDevices.isEmpty { return nil }
    return "ob1"
  }

  /// Sets `OMPI_MCA_pml` in this process's environment when `pml(...)` says so, reading this
  /// node's environment, parameter files and devices. Call before `MPI_Init`; returns the
  /// value set, or `nil`.
  @discardableResult
  static func applyToThisProcess() -> String? {
    var environment: [String: String] = [:]
    var entry = environ
    while let pointer = entry.pointee {
      let pair = String(cString: pointer)
      if let equals = pair.firstIndex(of: "=") {
        environment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
      }
      entry += 1
    }
    let library = contents(of: "/proc/self/maps")?.split(separator: "\n")
      .lazy.compactMap { line in line.split(separator: " ").last.map(String.init) }
      .first { $0.contains("/libmpi.so") }
    let files = parameterFilePaths(environment: environment, libraryPath: library)
      .compactMap(contents(of:))
    guard
      let value = pml(
        environment: environment, parameterFiles: files, fabricDevices: fabricDevicesOnThisNode())
    else { return nil }
    setenv(pmlVariable, value, 0)
    return value
  }

  /// Whether a setting chooses the PML or what it drives: `pml = cm`, `mtl = psm2`,
  /// `mtl_ofi_provider_include = ...`. An exclusion that leaves `ob1` in (Debian's own
  /// `pml = ^ucx` and `mtl = ^ofi`) chooses nothing.
  static func choosesPML(_ setting: (key: String, value: String)) -> Bool {
    switch setting.key {
    case "pml":
      guard setting.value.hasPrefix("^") else { return true }
      return setting.value.dropFirst().split(separator: ",").contains { $0 == "ob1" }
    case "mtl": return !setting.value.hasPrefix("^")
    default: return setting.key.hasPrefix("pml_") || setting.key.hasPrefix("mtl_")
    }
  }

  /// The `key = value` lines of an Open MPI parameter file; comments are skipped.
  static func settings(in text: String) -> [(key: String, value: String)] {
    text.split(whereSeparator: \.isNewline).compactMap { line in
      let trimmed = line.trimmingWhitespace()
      guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
      return (
        String(trimmed[..<equals].trimmingWhitespace()),
        String(trimmed[trimmed.index(after: equals)...].trimmingWhitespace())
      )
    }
  }

  /// Where Open MPI looks for parameter files: the list in `OMPI_MCA_mca_base_param_files`
  /// if set, else the user's file and the installation's (Debian's `/etc/openmpi`, or
  /// `etc/` beside the library's `lib/`, or under `OPAL_PREFIX` / `OPAL_SYSCONFDIR`).
  static func parameterFilePaths(environment: [String: String], libraryPath: String?) -> [String] {
    if let list = environment["OMPI_MCA_mca_base_param_files"] {
      return list.split(whereSeparator: { $0 == "," || $0 == ":" }).map(String.init)
    }
    var paths = ["/etc/openmpi/openmpi-mca-params.conf"]
    if let home = environment["HOME"] { paths.append("\(home)/.openmpi/mca-params.conf") }
    if let prefix = environment["OPAL_PREFIX"] {
      paths.append("\(prefix)/etc/openmpi-mca-params.conf")
    }
    if let etc = environment["OPAL_SYSCONFDIR"] { paths.append("\(etc)/openmpi-mca-params.conf") }
    if let library = libraryPath, let slash = library.lastIndex(of: "/") {
      paths.append("\(library[..<slash])/../etc/openmpi-mca-params.conf")
    }
    return paths
  }

  /// Devices a fabric-driving layer could use: verbs devices (InfiniBand, RoCE, iWARP, EFA,
  /// Omni-Path), Omni-Path and InfiniPath character devices, HPE Slingshot (cxi) and Cray
  /// Aries (kgni).
  static func fabricDevicesOnThisNode() -> [String] {
    var found: [String] = []
    for (folder, prefixes) in [
      ("/sys/class/infiniband", [""]), ("/sys/class/cxi", [""]),
      ("/dev", ["hfi1", "ipath", "cxi", "kgni"]),
    ] {
      guard let directory = opendir(folder) else { continue }
      defer { closedir(directory) }
      while let item = readdir(directory) {
        let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
          String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name == "." || name == ".." { continue }
        if prefixes.contains(where: { name.hasPrefix($0) }) { found.append("\(folder)/\(name)") }
      }
    }
    return found
  }

  private static func contents(of path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension Substring {
  fileprivate func trimmingWhitespace() -> Substring {
    let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
    guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else {
      return ""
    }
    return self[first...last]
  }
}
