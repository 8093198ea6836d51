public import FloeHDF5
import FloeRuntime

/// `floe info`'s text: what `ncdump -h` shows, plus how each variable is stored.
public enum FileReport {
  public static func text(_ info: FileInfo) -> String {
    var out = ""
    let base = info.path.split(separator: "/").last.map(String.init) ?? info.path
    let name = base.hasSuffix(".nc") ? String(base.dropLast(3)) : base
    out += "netcdf \(name) {\n"
    out += "dimensions:\n"
    for d in info.dimensions {
      out +=
        d.isUnlimited
        ? "\t\(d.name) = UNLIMITED ; // (\(d.length) currently)\n" : "\t\(d.name) = \(d.length) ;\n"
    }
    out += "variables:\n"
    for v in info.variables {
      let dims = v.dimensions.isEmpty ? "" : "(" + v.dimensions.joined(separator: ", ") + ")"
      out += "\t\(v.dataType) \(v.name)\(dims) ;\n"
      for a in v.attributes { out += "\t\t\(v.name):\(a.name) = \(a.value) ;\n" }
      out += "\t\t// storage: \(storage(v))\n"
    }
    if !info.attributes.isEmpty {
      out += "\n// global attributes:\n"
      for a in info.attributes { out += "\t\t:\(a.name) = \(a.value) ;\n" }
    }
    out += "}\n"
    return out
  }

  /// "chunked 24 x 73 x 144, shuffle, deflate(4); 12.1 MiB on disk for 30.7 MiB (2.5x); 31 chunks"
  static func storage(_ v: VariableInfo) -> String {
    var parts = v.layout.rawValue
    if let chunks = v.chunkShape { parts += " " + chunks.map(String.init).joined(separator: " x ") }
    for f in v.filters {
      parts += f.name == "deflate" ? ", deflate(\(f.parameters.first ?? 0))" : ", \(f.name)"
    }
    let elementSize: Int
    if case .numeric(let t) = v.dataType { elementSize = t.size } else { elementSize = 1 }
    let logical = v.shape.reduce(1, *) * elementSize
    parts += "; \(Format.bytes(v.storageBytes)) on disk"
    if v.storageBytes > 0 && !v.filters.isEmpty && logical > 0 {
      parts += " for \(Format.bytes(logical)) (\(ratio(Double(logical) / Double(v.storageBytes)))x)"
    }
    if v.layout == .chunked { parts += "; \(v.storedChunks) chunks stored" }
    return parts
  }

  private static func ratio(_ x: Double) -> String { Format.decimal(x, 1) }
}
