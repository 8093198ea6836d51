// Times rank 0's planning for 10^5 to 10^7 units and the scheduling decisions of a whole run,
// and shows that memory does not grow with the unit count. Run in release:
//   swift run -c release floe-plan-benchmark
import FloeRuntime

func measure(units: Int, workers: Int) throws -> (plan: Double, schedule: Double, supersteps: Int) {
  let start = ProcessStats.now()
  // A time mean of `units` chunks of 1 x 100 x 100 float32 values, one unit per chunk.
  let plan = ReductionPlan(
    shape: [units, 100, 100], reduced: [true, false, false], chunks: [1, 100, 100],
    targetUnitElements: 1)
  let sizing = try SuperstepSizing(
    plan: plan, workers: workers, budget: MemorySize(bytes: 64 << 20), elementSize: 4,
    fieldsPerPoint: 2)
  let planned = ProcessStats.now()
  // Every superstep's assignment, as rank 0 makes them during the run.
  let scheduler = Scheduler(plan: plan, sizing: sizing, workers: workers)
  var supersteps = 0
  var checksum = 0
  while let ranges = scheduler.nextRanges() {
    supersteps += 1
    checksum &+= ranges.last!.upperBound
    // The unit coordinates a worker computes for its first unit: arithmetic, no lookup.
    checksum &+= plan.block(ofUnit: ranges[0].lowerBound).start[0]
  }
  precondition(checksum != 0)
  return (planned - start, ProcessStats.now() - planned, supersteps)
}

print("units       workers  plan (s)   schedule whole run (s)  supersteps  peak RSS")
for units in [100_000, 1_000_000, 10_000_000] {
  for workers in [2, 255, 1023] {
    let r = try measure(units: units, workers: workers)
    let pad = { (s: String, n: Int) in s + String(repeating: " ", count: max(0, n - s.count)) }
    print(
      pad("\(units)", 12) + pad("\(workers)", 9) + pad(Format.decimal(r.plan, 6), 11)
        + pad(Format.decimal(r.schedule, 6), 24) + pad("\(r.supersteps)", 12)
        + MemorySize.format(ProcessStats.peakRSSBytes))
  }
}
