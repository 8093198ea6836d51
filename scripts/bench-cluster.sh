#!/usr/bin/env bash
# What crossing hosts costs: the exchange's messages and a whole reduction, on one host
# (shared memory) and on the simulated cluster (TCP between network namespaces,
# scripts/cluster.sh), side by side in one run.
#
#   scripts/bench-cluster.sh [--quick] [--runs N] [--data DIR]
#
# 1. floe-exchange-benchmark: one-way time and bandwidth of 8 B to 16 MiB messages between
#    two ranks on one host, then on two hosts (the latency and bandwidth of the scaling
#    model in docs/performance.md).
# 2. `floe reduce --op std` of a 2.1 GB file (2000 x 361 x 720 float32, chunks 24 x 361 x 720;
#    --quick: 13 MB) at a 256 MiB budget (many supersteps, so many exchanges of 6 MiB
#    partials) on 3 ranks: all on one host; each on its own host; and 5 ranks on 3 hosts
#    dealt round them (--map-by node). Median wall time of --runs (default 3; --quick 1),
#    each worker's exchange time (median over workers, from the run report) and the
#    messages and bytes sent within and across hosts, with the same output bytes checked.
# Needs root (network namespaces); takes the cluster down at the end. Reports; never fails
# on a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
quick=0
runs=""
data="${FLOE_BENCH_DATA:-$root/.bench-data}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --runs) runs="$2"; shift ;;
    --data) data="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-cluster.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  runs="${runs:-1}" shape=240,91,180 chunks=24,91,180 name=quick.nc budget=8MiB
else
  runs="${runs:-3}" shape=2000,361,720 chunks=24,361,720 name=t2.nc budget=256MiB
fi

source "$root/scripts/local-mpi.sh"
swift build -c release --product floe >&2
swift build -c release --product floe-exchange-benchmark >&2
bin="$root/.build/release"
mkdir -p "$data"
input="$data/$name"
if [ ! -f "$input" ]; then
  echo "bench-cluster.sh: making $input (--shape $shape --chunks $chunks)" >&2
  "${mpi[@]}" -np 2 "$bin/floe" gen -o "$input" --shape "$shape" --chunks "$chunks" >&2
fi
cat "$input" > /dev/null
bash scripts/cluster.sh up 3 >&2
trap 'bash scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT

echo "## Messages between two ranks (floe-exchange-benchmark)"
echo
echo '```'
"${mpi[@]}" -np 2 "$bin/floe-exchange-benchmark"
bash scripts/cluster.sh mpirun 1 -- -np 2 "$bin/floe-exchange-benchmark"
echo '```'
echo

# One placement: its name, the number of ranks, and how to launch them.
measure() {
  local label=$1 np=$2; shift 2
  local walls=() report="$data/cluster-report.json"
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" -np "$np" "$bin/floe" reduce "$input" --var tas --op std -o "$data/cluster-$np.nc" \
      --overwrite --memory-per-rank "$budget" --quiet --report "$report"
    end=$(date +%s.%N)
    walls+=("$(echo "$end - $start" | bc)")
  done
  python3 - "$label" "$report" "$data/cluster-$np.nc" "$data/cluster-reference.nc" "${walls[@]}" <<'PY'
import json, statistics, sys, subprocess, os, shutil
label, report, output, reference, *walls = sys.argv[1:]
r = json.load(open(report))
phase = r["phases"][-1]["summary"]
workers = phase["workers"]
exchange = statistics.median(w["exchangeSeconds"] for w in workers)
within = sum(w["messagesWithinHost"] for w in workers)
across = sum(w["messagesAcrossHosts"] for w in workers)
mib = lambda key: sum(w[key] for w in workers) / 2**20
if not os.path.exists(reference):
    shutil.copy(output, reference)
same = subprocess.run(["cmp", "-s", "-i", "0:0", output, reference]).returncode == 0 or \
    subprocess.run(["cdo", "-s", "diffn", output, reference], capture_output=True).stdout.strip() == b""
print(f"| {label} | {statistics.median(map(float, walls)):.2f} | {exchange:.3f} | "
      f"{within} ({mib('bytesSentWithinHost'):.0f} MiB) | {across} ({mib('bytesSentAcrossHosts'):.0f} MiB) | "
      f"{phase['supersteps']} | {'yes' if same else 'NO'} |")
PY
}

echo "## floe reduce --op std of $name ($(du -h "$input" | cut -f1)), --memory-per-rank $budget, median of $runs"
echo
echo "| placement | wall (s) | exchange per worker (s) | messages within hosts | messages across hosts | supersteps | same values |"
echo "|---|---|---|---|---|---|---|"
rm -f "$data/cluster-reference.nc"
measure "3 ranks on one host" 3 "${mpi[@]}"
# shellcheck disable=SC2046
measure "3 ranks, one per host" 3 mpirun --oversubscribe $(bash scripts/cluster.sh mpirun-args 1 3)
# shellcheck disable=SC2046
measure "5 ranks on 3 hosts, dealt round them" 5 mpirun --oversubscribe $(bash scripts/cluster.sh mpirun-args 2 3) --map-by node
rm -f "$data"/cluster-*.nc "$data/cluster-report.json"
