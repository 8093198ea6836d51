#!/usr/bin/env bash
# Kill and resume, again and again: one job under mpirun -np 3 with a checkpoint after every
# superstep; each attempt loses one rank to SIGKILL at a random moment and the next resumes
# (at a rank count of 2, 3 or 5, in turn) until one finishes. Its values must be those of a
# clean run, bit for bit. Prints a line per attempt and a summary; exits non-zero on any
# difference, a hang (60 s per attempt) or a partial output.
#
#   scripts/soak.sh [--kills N] [--data DIR]     (default 10 kills; CI runs 3)
set -euo pipefail
cd "$(dirname "$0")/.."

kills=10
data="${TMPDIR:-/tmp}/floe-soak"
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done

swift build --product floe >&2
floe="${FLOE:-$(swift build --show-bin-path)/floe}"
source scripts/local-mpi.sh

rm -rf "$data" && mkdir -p "$data/checkpoints"
input="$data/in.nc"
# 300 units of 20 steps of a 100 x 100 grid; one unit per worker per superstep.
"$floe" gen -o "$input" --shape 6000,100,100 --chunks 10,100,100 --seed 11 > /dev/null
job=(reduce "$input" --var tas --op std --memory-per-rank 8MiB)
"${mpi[@]}" -np 3 "$floe" "${job[@]}" -o "$data/clean.nc" 2> "$data/clean.log" || { cat "$data/clean.log" >&2; exit 1; }

values() { ncdump -v tas -p 9,17 "$1" | sed -n '/^data:/,$p'; }

attempt=0
landed=0
finished=0
while [ "$finished" = 0 ]; do
  attempt=$((attempt + 1))
  ranks=$((attempt % 3 == 1 ? 3 : (attempt % 3 == 2 ? 2 : 5)))
  out="$data/out.nc"
  "${mpi[@]}" -np "$ranks" "$floe" "${job[@]}" -o "$out" \
    --checkpoint "$data/checkpoints" --checkpoint-every 1 --resume 2> "$data/attempt-$attempt.log" &
  launcher=$!
  victim=""
  if [ "$landed" -lt "$kills" ]; then
    # A random moment after start-up, then a random rank of this job.
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.8 + 2.5 * rand() }')"
    victim=$(pgrep -P "$launcher" -f "floe reduce" | shuf -n 1 || true)
    [ -n "$victim" ] && kill -9 "$victim" 2> /dev/null || true
  fi
  status=0
  timeout 60 tail --pid="$launcher" -f /dev/null || { echo "soak: attempt $attempt hung" >&2; kill -9 "$launcher"; exit 1; }
  wait "$launcher" || status=$?
  resumed=$(grep -o 'resuming from [^:]*: [0-9]* of [0-9]* units done' "$data/attempt-$attempt.log" | grep -o '[0-9]* of [0-9]*' || echo "0 of 300")
  if [ "$status" = 0 ]; then
    finished=1
    echo "soak: attempt $attempt on $ranks ranks: from $resumed units, finished"
  else
    [ -e "$out" ] && { echo "soak: attempt $attempt failed but left $out" >&2; exit 1; }
    landed=$((landed + 1))
    echo "soak: attempt $attempt on $ranks ranks: from $resumed units, killed rank process $victim (exit $status)"
  fi
done

if [ "$(values "$data/clean.nc")" != "$(values "$data/out.nc")" ]; then
  echo "soak: FAILED: the resumed output differs from the clean run" >&2
  exit 1
fi
echo "soak: $landed kill(s) and resume(s), $attempt attempt(s): the output equals the clean run's"
