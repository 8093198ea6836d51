// The cost of the exchange's messages between two ranks: a ping-pong of messages from 8 bytes
// to 16 MiB between rank 0 and the last rank, through FloeMPI's send and receive (the calls the
// workers' exchange makes, with their sleeping wait). Run it with the two ranks on one host
// (shared memory) and on two hosts (the network) to get the latency and bandwidth of each,
// the constants of the scaling model (docs/performance.md):
//   mpirun -np 2 floe-exchange-benchmark
//   scripts/cluster.sh mpirun 1 -- -np 2 floe-exchange-benchmark
import FloeMPI
import Foundation

let world = try MPI.initialize()
let peer = world.size - 1
guard world.size >= 2 else {
  print("floe-exchange-benchmark: run it on 2 ranks or more (mpirun -np 2)")
  MPI.finalize()
  exit(64)
}
let hosts = [
  MPI.processorName,
  try String(
    decoding: world.broadcastArray(Array(MPI.processorName.utf8), root: peer), as: UTF8.self),
]
if world.rank == 0 {
  print(
    "floe-exchange-benchmark: rank 0 on \(hosts[0]), rank \(peer) on \(hosts[1])"
      + (hosts[0] == hosts[1] ? " (one host: shared memory)" : " (two hosts: the network)"))
}
// The workers' own wait (sleeping, up to 200 us between polls), then MPI's spinning one.
for (name, waiting) in [
  ("sleeping (the workers' wait)", Waiting.sleeping(maxMicroseconds: 200)), ("spinning", .spinning),
] {
  if world.rank == 0 {
    print("\(name):")
    print("bytes        round trips  one way (us)  GB/s")
  }
  for size in [8, 1024, 65536, 1 << 20, 4 << 20, 16 << 20] {
    let message = [UInt8](repeating: 1, count: size)
    // Enough round trips for about a quarter of a second, at least 5.
    let trips = max(5, min(2000, (64 << 20) / size))
    try world.barrier()
    let start = MPI.wallTime()
    for _ in 0..<trips {
      if world.rank == 0 {
        try world.send(message, to: peer, tag: 7, waiting)
        _ = try world.receive(UInt8.self, from: peer, tag: 7, waiting)
      } else if world.rank == peer {
        let back = try world.receive(UInt8.self, from: 0, tag: 7, waiting)
        try world.send(back, to: 0, tag: 7, waiting)
      }
    }
    let oneWay = (MPI.wallTime() - start) / Double(2 * trips)
    if world.rank == 0 {
      let microseconds = String(format: "%.1f", oneWay * 1e6)
      let gigabytes = String(format: "%.3f", Double(size) / oneWay / 1e9)
      let columns: [String] = [
        "\(size)".padding(toLength: 13, withPad: " ", startingAt: 0),
        "\(trips)".padding(toLength: 13, withPad: " ", startingAt: 0),
        microseconds.padding(toLength: 14, withPad: " ", startingAt: 0), gigabytes,
      ]
      print(columns.joined())
    }
  }
}
MPI.finalize()
