// The accumulate loops on data in memory, in elements per second and GB/s, next to the
// memory bandwidth of the same machine (a plain sum of the same floats, and memcpy). Run
// in release:
//   swift run -c release floe-kernel-benchmark [--cached]
//   swift run -c release floe-kernel-benchmark --mapped FILE VAR [RUNS]   (MappedFloor.swift)
// One time-mean unit of the 6 GB benchmark file (24 steps x 361 x 720 float32, from
// memory), and one of 24 x 91 x 180 (from cache); about 1 in 16 values missing.
import FloeKernels
import FloeRuntime
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--mapped" {
  guard arguments.count >= 3 else {
    print("usage: floe-kernel-benchmark --mapped FILE VAR [RUNS]")
    exit(2)
  }
  do {
    let repeats = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
    try mappedFloor(path: arguments[1], variable: arguments[2], repeats: repeats)
  } catch {
    print("floe-kernel-benchmark: \(error)")
    exit(1)
  }
  exit(0)
}
let (lat, lon) = arguments.first == "--cached" ? (91, 180) : (361, 720)
let steps = 24
let points = lat * lon
let count = steps * points
let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
defer { values.deallocate() }
var seed: UInt64 = 1
for i in 0..<count {
  seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
  values[i] =
    seed >> 60 == 0 && seed & 0xF0 == 0 ? 1e20 : 250 + Float(seed >> 40) / Float(1 << 24) * 60
}
let bytes = Double(count * 4)

/// Best of `repeats` timings of `body`, in seconds.
func best(_ repeats: Int = 9, _ body: () -> Void) -> Double {
  var fastest = Double.infinity
  for _ in 0..<repeats {
    let start = ProcessStats.now()
    body()
    fastest = min(fastest, ProcessStats.now() - start)
  }
  return fastest
}

func report(_ name: String, _ seconds: Double) {
  let pad = { (s: String, n: Int) in s + String(repeating: " ", count: max(0, n - s.count)) }
  print(
    pad(name, 40) + pad(Format.decimal(Double(count) / seconds / 1e9, 2) + " G elements/s", 20)
      + Format.decimal(bytes / seconds / 1e9, 2) + " GB/s")
}

print("\(steps) x \(lat) x \(lon) float32 (\(MemorySize.format(count * 4))) per call, best of 9")
// The floor: reading the same bytes from memory, and copying them.
var sink: Float = 0
report(
  "memory: sum of the floats",
  best {
    var s = SIMD8<Float>()
    let raw = UnsafeRawPointer(values.baseAddress!)
    for i in stride(from: 0, to: count - 7, by: 8) {
      s += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    }
    sink += s.sum()
  })
let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
defer { copy.deallocate() }
report("memory: memcpy", best { _ = copy.initialize(from: values) })

let block = Block(
  values: .float32(UnsafeBufferPointer(values)), shape: [steps, lat, lon], start: [0, 0, 0],
  reduced: [true, false, false], missing: MissingValues([1e20]))
let field = Block(
  values: .float32(UnsafeBufferPointer(values)), shape: [steps, lat, lon], start: [0, 0, 0],
  reduced: [false, true, true], missing: MissingValues([1e20]))
let cases: [(String, any Reducer, Block)] = [
  ("time mean (count, sum)", Statistic.mean.reducer, block),
  ("time min", Statistic.min.reducer, block),
  ("time std (count, sum, squares)", Statistic.standardDeviation.reducer, block),
  (
    "field mean, cos-lat weights",
    WeightedSumReducer(
      weights: (0..<lat).map { cos((-90 + 180 / Double(lat - 1) * Double($0)) * .pi / 180) },
      axis: 1, mean: true),
    field
  ),
]
for (name, reducer, block) in cases {
  report(
    name,
    best {
      var partial = reducer.makePartial(points: block.points)
      reducer.accumulate(block, into: &partial)
      sink += Float(partial.storage[partial.storage.count / 2])
    })
}
if sink == 42 { print(sink) }  // keeps the work from being optimized away
