# Sourced by the scripts that launch Floe on this machine: mpirun as root (CI runs as root),
# more ranks than cores, and MPI's own traffic bound to loopback only. Defines `mpi`.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
