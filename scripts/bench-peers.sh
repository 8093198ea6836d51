#!/usr/bin/env bash
# The peers Floe is measured against, and how each does an operation.
#
#   scripts/bench-peers.sh setup              # CDO, NCO (apt) and a Python venv in .bench-venv:
#                                             # numpy, h5py built on parallel HDF5, mpi4py,
#                                             # xarray, netCDF4, dask, distributed, dask-mpi
#   scripts/bench-peers.sh list OP FILE DIR   # one line per installed peer: NAME<TAB>COMMAND
#
# OP: mean std fldmean ymonmean p95. Every command writes its result into DIR, and binds
# MPI and dask to the loopback interface. scripts/bench.sh times what `list` prints.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv="${FLOE_BENCH_VENV:-$root/.bench-venv}"
mpi="mpirun --oversubscribe --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"

setup() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    cdo nco python3-venv python3-dev build-essential pkg-config \
    libhdf5-openmpi-dev libopenmpi-dev openmpi-bin
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip wheel setuptools
  "$venv/bin/pip" install -q numpy cython pkgconfig
  # mpi4py and h5py from source, against Debian's Open MPI and parallel HDF5.
  CC=mpicc "$venv/bin/pip" install -q --no-binary=mpi4py mpi4py
  CC=mpicc HDF5_MPI=ON HDF5_PKGCONFIG_NAME=hdf5-openmpi \
    "$venv/bin/pip" install -q --no-binary=h5py --no-build-isolation h5py
  "$venv/bin/pip" install -q xarray netCDF4 "dask[array]" distributed dask-mpi
  "$venv/bin/python" -c 'import h5py; assert h5py.get_config().mpi, "h5py without MPI"'
  echo "bench-peers.sh: peers ready (CDO $(cdo -V 2>&1 | head -1 | awk '{print $5}'), venv $venv)"
}

list() {
  local op="$1" file="$2" dir="$3"
  local out="$dir/peer.nc"
  if command -v cdo > /dev/null; then
    case "$op" in
      mean) echo -e "cdo timmean\tcdo -s -O timmean $file $out" ;;
      std) echo -e "cdo timstd\tcdo -s -O timstd $file $out" ;;
      fldmean) echo -e "cdo fldmean\tcdo -s -O fldmean $file $out" ;;
      ymonmean) echo -e "cdo ymonmean\tcdo -s -O ymonmean $file $out" ;;
      p95) echo -e "cdo timpctl,95\tcdo -s -O timpctl,95 $file -timmin $file -timmax $file $out" ;;
    esac
  fi
  if command -v ncra > /dev/null; then
    case "$op" in
      mean)
        echo -e "nco ncra\tncra -O $file $out"
        echo -e "nco ncwa -a time\tncwa -O -a time -v tas $file $out"
        ;;
    esac
  fi
  if [ -x "$venv/bin/python" ]; then
    local py="$venv/bin/python $root/scripts/peers/peer.py"
    echo -e "numpy + h5py\t$py numpy $op $file $out"
    echo -e "mpi4py + parallel h5py np=2\tOMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 $mpi -np 2 $py mpi $op $file $out"
    echo -e "xarray + dask (threads)\t$py xarray $op $file $out"
    echo -e "dask.distributed 2 workers\t$py distributed $op $file $out"
    echo -e "dask-mpi 2 workers\tOMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 $mpi -np 4 $py dask-mpi $op $file $out"
  fi
}

case "${1:-}" in
  setup) setup ;;
  list) shift; list "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
