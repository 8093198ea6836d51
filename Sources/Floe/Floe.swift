public enum Floe {}
