/// Floe's version, shown by `floe --version` and checked between ranks at start-up.
public enum FloeVersion {
  public static let number = "0.1.0"
  public static var description: String { "floe \(number)" }
}
