// Checks every FloeMPI collective for values at any world size. Run it under
// `mpirun -np N` (the end-to-end tests do, for N = 1...5). Each rank computes what it
// must receive by hand; rank 0 prints "mpi checks: N passed, M failed" and the job exits
// non-zero if any rank saw a wrong value.
import FloeMPI

let world = try MPI.initialize()
let rank = world.rank
let size = world.size
var passed = 0
var failures: [String] = []

@MainActor func expect<T: Equatable>(_ name: String, _ got: T, _ want: T) {
  if got == want {
    passed += 1
  } else {
    failures.append("rank \(rank): \(name): got \(got), want \(want)")
  }
}

@MainActor func expectThrows(_ name: String, contains fragment: String, _ body: () throws -> Void) {
  do {
    try body()
    failures.append("rank \(rank): \(name): no error was thrown")
  } catch {
    expect(name, String(describing: error).contains(fragment), true)
  }
}

// Environment
expect("size from allreduce", try world.allreduce([1], .sum), [size])
expect("MPI is initialized", MPI.isInitialized, true)
try world.barrier()
try world.barrier(.sleeping)
passed += 2

// broadcast
let root = size - 1
var values = rank == root ? [Double(root) * 10, 1.5, -2] : [0, 0, 0]
try world.broadcast(&values, root: root)
expect("broadcast", values, [Double(root) * 10, 1.5, -2])
expect("broadcast scalar", try world.broadcast(Int32(rank * 7 + 3), root: 0), 3)
var sleepy: [Int64] = rank == 0 ? [42, 43] : [0, 0]
try world.broadcast(&sleepy, root: 0, .sleeping)
expect("broadcast sleeping", sleepy, [42, 43])
let variable = try world.broadcastArray(rank == 0 ? Array(0..<UInt8(9)) : [], root: 0)
expect("broadcastArray", variable, Array(0..<UInt8(9)))

// gather / gatherv
let gathered = try world.gather([Int32(rank), Int32(rank * 2)], root: 0)
expect("gather", gathered, rank == 0 ? (0..<size).flatMap { [Int32($0), Int32($0 * 2)] } : [])
let gv = try world.gatherv([Int16](repeating: Int16(rank), count: rank + 1), root: 0)
expect(
  "gatherv values", gv.values,
  rank == 0 ? (0..<size).flatMap { [Int16](repeating: Int16($0), count: $0 + 1) } : [])
expect("gatherv counts", gv.counts, rank == 0 ? (0..<size).map { $0 + 1 } : [])

// scatter / scatterv
let scattered = try world.scatter(
  rank == 0 ? (0..<(size * 2)).map(Float.init) : [], count: 2, root: 0)
expect("scatter", scattered, [Float(2 * rank), Float(2 * rank + 1)])
let counts = (0..<size).map { $0 + 1 }
let all = (0..<counts.reduce(0, +)).map(UInt32.init)
let sv = try world.scatterv(rank == 0 ? all : [], counts: rank == 0 ? counts : [], root: 0)
let first = (0..<rank).map { $0 + 1 }.reduce(0, +)
expect("scatterv", sv, (first..<(first + rank + 1)).map(UInt32.init))

// allgather / allgatherv
expect("allgather", try world.allgather([UInt64(rank)]), (0..<size).map(UInt64.init))
let agv = try world.allgatherv([Int8](repeating: Int8(rank), count: rank))
expect(
  "allgatherv values", agv.values, (0..<size).flatMap { [Int8](repeating: Int8($0), count: $0) })
expect("allgatherv counts", agv.counts, Array(0..<size))

// reduce / allreduce over every element type
let n = size
let sumOfRanks = n * (n - 1) / 2
expect(
  "reduce sum", try world.reduce([Double(rank), 1], .sum, root: 0),
  rank == 0 ? [Double(sumOfRanks), Double(n)] : [])
expect("reduce max", try world.reduce([rank], .max, root: root), rank == root ? [n - 1] : [])
expect("allreduce min", try world.allreduce([Int64(rank) - 5], .min), [-5])
expect("allreduce max", try world.allreduce([Float(rank) * 0.5], .max), [Float(n - 1) * 0.5])
expect("allreduce product", try world.allreduce([Int32(2)], .product), [Int32(1 << n)])
expect("allreduce Int8", try world.allreduce([Int8(1)], .sum), [Int8(n)])
expect("allreduce UInt8", try world.allreduce([UInt8(2)], .sum), [UInt8(2 * n)])
expect("allreduce Int16", try world.allreduce([Int16(-3)], .sum), [Int16(-3 * n)])
expect("allreduce UInt16", try world.allreduce([UInt16(rank)], .sum), [UInt16(sumOfRanks)])
expect("allreduce Int32", try world.allreduce([Int32(rank)], .sum), [Int32(sumOfRanks)])
expect("allreduce UInt32", try world.allreduce([UInt32(rank)], .max), [UInt32(n - 1)])
expect("allreduce UInt64", try world.allreduce([UInt64(1) << 40], .sum), [UInt64(n) << 40])
expect(
  "allreduce Double", try world.allreduce([0.25, Double(rank)], .sum),
  [0.25 * Double(n), Double(sumOfRanks)])
var inPlace = [Double](repeating: 1, count: 1000)
try world.allreduce(inPlace: &inPlace, .sum)
expect("allreduce in place", inPlace, [Double](repeating: Double(n), count: 1000))

// alltoall / alltoallv
let a2a = try world.alltoall((0..<size).map { Int32(rank * 100 + $0) }, countPerRank: 1)
expect("alltoall", a2a, (0..<size).map { Int32($0 * 100 + rank) })
let sendCounts = (0..<size).map { $0 + 1 }
let outgoing = (0..<size).flatMap { [Double](repeating: Double(rank * 100 + $0), count: $0 + 1) }
let a2av = try world.alltoallv(outgoing, sendCounts: sendCounts)
expect(
  "alltoallv values", a2av.values,
  (0..<size).flatMap { [Double](repeating: Double($0 * 100 + rank), count: rank + 1) })
expect("alltoallv counts", a2av.counts, [Int](repeating: rank + 1, count: size))

// point to point: a ring, blocking receive and non-blocking send
let next = (rank + 1) % size
let previous = (rank + size - 1) % size
let message = [Int64(rank), Int64(rank * rank)]
try message.withUnsafeBufferPointer { buffer in
  let request = try world.isend(buffer, to: next, tag: 7)
  let (got, status) = try world.receive(Int64.self, from: previous, tag: 7)
  expect("ring receive", got, [Int64(previous), Int64(previous * previous)])
  expect("ring status", [status.source, status.tag, status.count], [previous, 7, 2])
  try request.wait(.sleeping)
}
// non-blocking receive and broadcast with a sleeping wait
var incoming = [Float](repeating: 0, count: 3)
let outgoingRing = [Float(rank), 1, 2]
try incoming.withUnsafeMutableBufferPointer { receiveBuffer in
  try outgoingRing.withUnsafeBufferPointer { sendBuffer in
    let r = try world.ireceive(into: receiveBuffer, from: previous, tag: 9)
    let s = try world.isend(sendBuffer, to: next, tag: 9)
    try r.wait(.sleeping)
    try s.wait(.spinning)
  }
}
expect("ireceive ring", incoming, [Float(previous), 1, 2])
var ib = [UInt16](repeating: rank == 0 ? 77 : 0, count: 4)
try ib.withUnsafeMutableBufferPointer { try world.ibroadcast($0, root: 0).wait(.sleeping) }
expect("ibroadcast", ib, [77, 77, 77, 77])
try world.ibarrier().wait(.sleeping)
// many arrays at once, one message each (the exchange's values), an empty one among them;
// 1 MiB arrays go by rendezvous, so all are in flight together. Sends and receives both
// wait: even ranks send first, odd ranks receive first.
if size > 1 {
  let arrays: [[Double]] = [
    [Double](repeating: Double(rank), count: 1 << 17), [], [Double(rank), 0.5],
    (0..<(1 << 17)).map { Double($0 + rank) },
  ]
  var got: [[Double]] = []
  for turn in 0..<2 {
    if (rank + turn) % 2 == 0 {
      try world.send(each: arrays, to: next, tag: 11, .sleeping)
    } else {
      got = try world.receive(
        Double.self, counts: arrays.map(\.count), from: previous, tag: 11, .sleeping)
    }
  }
  expect("send each / receive counts", got.map(\.count), arrays.map(\.count))
  expect("send each first", got.first?.first, Double(previous))
  expect("send each third", got.count == 4 ? got[2] : [], [Double(previous), 0.5])
  expect("send each last", got.last?.last, Double((1 << 17) - 1 + previous))
  // A message shorter than its receive is an error naming the sender.
  for turn in 0..<2 {
    if (rank + turn) % 2 == 0 {
      try world.send(each: [[1.0]], to: next, tag: 12, .sleeping)
    } else {
      expectThrows("receive counts of a shorter message", contains: "from rank \(previous)") {
        _ = try world.receive(Double.self, counts: [2], from: previous, tag: 12, .sleeping)
      }
    }
  }
}
passed += 1

// sub-communicators
do {
  let halves = try world.split(color: rank % 2, key: -rank)
  let sub = halves.communicator
  let members = (0..<size).filter { $0 % 2 == rank % 2 }
  expect("split size", sub.size, members.count)
  // key -rank orders the highest world rank first.
  expect("split rank", sub.rank, members.reversed().firstIndex(of: rank)!)
  expect("split allreduce", try sub.allreduce([rank], .sum), [members.reduce(0, +)])
  let copy = try world.duplicate()
  expect("duplicate allreduce", try copy.communicator.allreduce([1], .sum), [size])
}

// errors from MPI arrive as Swift errors (MPI_ERRORS_RETURN), and Floe's own checks
expectThrows("send to a rank that does not exist", contains: "MPI_Send failed") {
  try world.send([1], to: size + 3)
}
expectThrows("alltoall with wrong count", contains: "MPI_Alltoall") {
  _ = try world.alltoall([1, 2, 3], countPerRank: size)
}

// Agree on the outcome; rank 0 reports.
let failedTotal = try world.allreduce([failures.count], .sum)[0]
let passedTotal = try world.allreduce([passed], .sum)[0]
for f in failures { print(f) }
if rank == 0 {
  print("mpi checks on \(size) rank(s): \(passedTotal) passed, \(failedTotal) failed")
}
MPI.finalize()
if failedTotal > 0 { exit(1) }

#if canImport(Glibc)
  import Glibc
#endif
