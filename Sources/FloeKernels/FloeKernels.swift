public enum FloeKernels {}
