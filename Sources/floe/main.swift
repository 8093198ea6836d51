import FloeMPI
let world = try MPI.initialize()
print(world.rank, world.size, MPI.libraryVersion)
print(try world.allreduce([world.rank], .sum))
MPI.finalize()
