public enum FloeRuntime {}
