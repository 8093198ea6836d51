// `import Floe` is all a Swift user needs: the Reducer protocol and blocks (FloeKernels),
// plans and run summaries (FloeRuntime), and communicators (FloeMPI).
@_exported public import FloeKernels
@_exported public import FloeMPI
@_exported public import FloeRuntime
