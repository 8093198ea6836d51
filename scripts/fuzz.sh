#!/usr/bin/env bash
# Random damage to a small netCDF-4 file, then `floe reduce` under mpirun -np 3 on it:
# truncations at random lengths and runs of flipped bytes at random offsets. Each case ends
# in one of: a clean error (exit 1, one "floe: error:" line), a run that succeeds (the damage
# hit bytes nobody reads, or data values: HDF5 has no checksum unless the file asks for one),
# a crash (any other ending), or a hang (60 s). A run that succeeds is run again with HDF5
# decoding the chunks (FLOE_CHUNK_DECODING=hdf5), which must succeed with the same values.
# Prints a summary; exits non-zero on a hang or a disagreement.
# Not part of scripts/test.sh: a few hundred cases take minutes.
#
#   scripts/fuzz.sh [--cases N] [--seed S] [--data DIR]     (default 200 cases)
set -euo pipefail
cd "$(dirname "$0")/.."

cases=200
seed=1
data="${TMPDIR:-/tmp}/floe-fuzz"
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done

swift build --product floe >&2
floe="${FLOE:-$(swift build --show-bin-path)/floe}"
source scripts/local-mpi.sh

rm -rf "$data" && mkdir -p "$data/crashes"
good="$data/good.nc"
# Compressed chunks (damage shows as a failed inflate) and a time coordinate to group by.
"$floe" gen -o "$good" --shape 120,20,30 --chunks 10,20,30 --deflate 1 > /dev/null
size=$(stat -c %s "$good")
RANDOM=$seed

clean=0; succeeded=0; crashed=0; hung=0; disagreed=0
for i in $(seq 1 "$cases"); do
  bad="$data/case.nc"
  cp "$good" "$bad"
  rm -f "$data/floe.bin" "$data/hdf5.bin"
  if [ $((RANDOM % 4)) = 0 ]; then
    what="truncated to $((length = (RANDOM * 32768 + RANDOM) % size)) bytes"
    truncate -s "$length" "$bad"
  else
    offset=$(((RANDOM * 32768 + RANDOM) % size))
    count=$((1 + RANDOM % 16))
    what="$count byte(s) flipped at $offset"
    python3 -c "
import sys
f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2])); b = bytearray(f.read(int(sys.argv[3])))
f.seek(int(sys.argv[2])); f.write(bytes(x ^ 0xFF for x in b)); f.close()" "$bad" "$offset" "$count"
  fi
  status=0
  timeout 60 "${mpi[@]}" -np 3 "$floe" reduce "$bad" --var tas --op mean --by time.month \
    -o "$data/out.nc" --overwrite > "$data/stdout" 2> "$data/stderr" || status=$?
  errors=$(grep -c '^floe: error:' "$data/stderr" || true)
  if [ "$status" = 124 ]; then
    hung=$((hung + 1)); echo "fuzz: case $i ($what): HUNG"
    cp "$bad" "$data/crashes/hang-$i.nc"
  elif [ "$status" = 0 ]; then
    succeeded=$((succeeded + 1))
    # Floe decodes the compressed chunks itself: a damaged chunk it accepts, HDF5's own
    # decoding (zlib) must accept too, with the same values.
    hstatus=0
    FLOE_CHUNK_DECODING=hdf5 timeout 60 "${mpi[@]}" -np 3 "$floe" reduce "$bad" --var tas --op mean \
      --by time.month -o "$data/out-hdf5.nc" --overwrite > /dev/null 2>&1 || hstatus=$?
    h5dump -d tas -b LE -o "$data/floe.bin" "$data/out.nc" > /dev/null 2>&1 || true
    h5dump -d tas -b LE -o "$data/hdf5.bin" "$data/out-hdf5.nc" > /dev/null 2>&1 || true
    if [ "$hstatus" != 0 ] || ! cmp -s "$data/floe.bin" "$data/hdf5.bin"; then
      disagreed=$((disagreed + 1)); echo "fuzz: case $i ($what): HDF5's decoding exits $hstatus or gives other values"
      cp "$bad" "$data/crashes/disagree-$i.nc"
    fi
  elif [ "$status" = 1 ] && [ "$errors" = 1 ]; then
    clean=$((clean + 1))
  else
    crashed=$((crashed + 1)); echo "fuzz: case $i ($what): exit $status, $errors error line(s)"
    cp "$bad" "$data/crashes/crash-$i.nc"
  fi
done
echo "fuzz: $cases cases (seed $seed): $clean clean errors, $succeeded succeeded ($disagreed not as HDF5 decodes them), $crashed crashed, $hung hung"
echo "fuzz: the damaged files that crashed, hung or disagreed are in $data/crashes"
[ "$hung" = 0 ] && [ "$disagreed" = 0 ]
