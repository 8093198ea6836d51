#!/usr/bin/env bash
# Floe against the read floor and the peers, side by side in one run.
#
#   scripts/bench.sh [--quick] [--runs N] [--ranks "2 3"] [--data DIR] [--ops "mean std ..."]
#                    [--peers REGEX]   # only the peers whose name matches (default: all)
#                    [--deflate N]     # the same data compressed: deflate level N, shuffle
#
# Makes the dataset with `floe gen` if missing (6.2 GB: 6000 x 361 x 720 float32 in
# 24 x 361 x 720 chunks; --quick: 13 MB), then times each command, the page cache warmed first,
# --runs times (default 5; --quick: 1) and reports the median wall time (the whole process,
# mpirun start-up included), its ratio to `cat FILE > /dev/null` and to the fastest peer of
# the same operation, and the peak RSS of the largest process. The floor is `cat` and Floe's
# own `--read-only` pass (every unit read, nothing computed). Peers run where installed:
# CDO and NCO (scripts/bootstrap.sh), the Python ones once `scripts/bench-peers.sh setup` has
# made their venv. The table goes to standard output and to bench-results/; a full run also
# replaces the generated section of BENCHMARKS.md (with --deflate, its own section).
# Benchmarks report; they never fail a build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

quick=0
runs=""
ranks="2 3"
data="${FLOE_BENCH_DATA:-$root/.bench-data}"
ops="mean std fldmean ymonmean p95"
peers="."
deflate=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --runs) runs="$2"; shift ;;
    --ranks) ranks="$2"; shift ;;
    --data) data="$2"; shift ;;
    --ops) ops="$2"; shift ;;
    --peers) peers="$2"; shift ;;
    --deflate) deflate="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  runs="${runs:-1}"
  shape=240,91,180
  chunks=24,91,180
  name=quick.nc
else
  runs="${runs:-5}"
  shape=6000,361,720
  chunks=24,361,720
  name=t6.nc
fi
compression=()
if [ -n "$deflate" ]; then
  compression=(--deflate "$deflate")
  name="${name%.nc}-deflate$deflate.nc"
fi

source "$root/scripts/local-mpi.sh"
swift build -c release --product floe >&2
floe="$root/.build/release/floe"
mkdir -p "$data" "$root/bench-results"
input="$data/$name"
if [ ! -f "$input" ]; then
  echo "bench.sh: making $input (--shape $shape --chunks $chunks ${compression[*]})" >&2
  "${mpi[@]}" -np 2 "$floe" gen -o "$input" --shape "$shape" --chunks "$chunks" "${compression[@]}" >&2
fi
out="$data/out"
mkdir -p "$out"
bytes=$(stat -c %s "$input")

# One measured run: wall seconds and peak RSS (KiB) of the largest process of the tree.
measure() {
  local rss_file="$out/rss" start end
  rm -f "$out"/*.nc
  start=$(date +%s.%N)
  if ! /usr/bin/time -f %M -o "$rss_file" "$@" < /dev/null > "$out/stdout" 2> "$out/stderr"; then
    echo "bench.sh: failed: $*" >&2
    tail -5 "$out/stderr" >&2
    echo "nan 0"
    return
  fi
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) $(tail -1 "$rss_file")"
}

# Median wall and largest peak RSS over the runs of one command.
results="$out/results.tsv"
: > "$results"
time_command() {  # operation, who, command...
  local operation="$1" who="$2"
  shift 2
  local walls=() rss=0 line wall r
  # Warm the page cache again: a VM's host may have evicted part of it during the commands
  # before (a 10-second peer run is enough), which would charge one command for another's.
  cat "$input" > /dev/null
  for _ in $(seq "$runs"); do
    line=$(measure "$@")
    wall=${line% *}
    r=${line#* }
    walls+=("$wall")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$operation" "$who" "$median" "$rss" "$*" >> "$results"
  printf 'bench.sh: %-9s %-32s %8.3f s  %7d MiB\n' "$operation" "$who" "$median" $((rss / 1024)) >&2
}

floe_args() {  # the floe reduce arguments of an operation
  case "$1" in
    mean) echo "--op mean" ;;
    std) echo "--op std" ;;
    fldmean) echo "--op mean --over lat,lon --weights coslat" ;;
    ymonmean) echo "--op mean --by time.month" ;;
    p95) echo "--op p95" ;;
    *) echo "bench.sh: unknown operation $1" >&2; exit 2 ;;
  esac
}

# Start from the page cache as one read of the file leaves it: a host that evicts cold pages
# a few at a time (this VM's DAMON pages out what was not touched for a minute) leaves the
# file's cache in small folios when it is read back, and small folios make every mapping of a
# unit 4-5 times slower (docs/performance.md, "The page cache's folio sizes"). Dropping the
# file here, time_command's own `cat` then reads it whole: back in 2 MiB folios where the
# kernel keeps them so.
dd if="$input" iflag=nocache count=0 status=none
time_command floor cat bash -c "cat '$input' > /dev/null"
for np in $ranks; do
  time_command floor "floe --read-only np=$np" \
    "${mpi[@]}" -np "$np" "$floe" reduce "$input" --var tas --read-only
done
for op in $ops; do
  for np in $ranks; do
    # shellcheck disable=SC2046
    time_command "$op" "floe np=$np" \
      "${mpi[@]}" -np "$np" "$floe" reduce "$input" --var tas $(floe_args "$op") -o "$out/floe.nc"
  done
  while IFS=$'\t' read -r who command; do
    [ -n "$who" ] || continue
    [[ "$who" =~ $peers ]] || continue
    time_command "$op" "$who" bash -c "$command"
  done < <(scripts/bench-peers.sh list "$op" "$input" "$out")
done

# The table: ratios to cat and to the fastest peer of the same operation.
host="$(nproc)-core $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB"
stamp=$(date -u +%Y-%m-%d)
suffix="${deflate:+-deflate$deflate}"
table=$(awk -F'\t' -v bytes="$bytes" '
  { op[NR] = $1; who[NR] = $2; wall[NR] = $3; rss[NR] = $4; cmd[NR] = $5
    if ($2 == "cat") floor = $3
    if ($1 != "floor" && $2 !~ /^floe/ && $3 != "nan" && (!($1 in best) || $3 < best[$1])) best[$1] = $3 }
  END {
    print "| operation | who | median wall (s) | x cat | x fastest peer | peak RSS (MiB) |"
    print "|---|---|---|---|---|---|"
    for (i = 1; i <= NR; i++) {
      if (wall[i] == "nan") { printf "| %s | %s | failed | - | - | - |\n", op[i], who[i]; continue }
      peer = (op[i] != "floor" && (op[i] in best)) ? sprintf("%.2f", wall[i] / best[op[i]]) : "-"
      printf "| %s | %s | %.3f | %.2f | %s | %d |\n", op[i], who[i], wall[i], wall[i] / floor, peer, rss[i] / 1024
    }
  }' "$results")
report="## Generated by scripts/bench.sh$([ "$quick" = 1 ] && echo ' --quick')

$stamp, $host; $(basename "$input") ($(echo "$bytes / 1000000000" | bc -l | xargs printf '%.2f') GB,
--shape $shape --chunks $chunks${deflate:+ --deflate $deflate}); median of $runs run(s) each, warm page cache (the file dropped from it and read whole once first), wall time of
the whole command (mpirun start-up included); peak RSS of the largest process.
Commands: bench-results/commands-$stamp$suffix.tsv.

$table"
echo "$report"
cut -f1,2,5 "$results" > "$root/bench-results/commands-$stamp$suffix.tsv"
echo "$report" > "$root/bench-results/bench-$stamp$([ "$quick" = 1 ] && echo -quick)$suffix.md"
if [ "$quick" = 0 ]; then
  # Replace the generated section of BENCHMARKS.md (between the markers) with this run.
  printf '%s\n' "$report" > "$out/report.md"
  marker="bench.sh${deflate:+ --deflate}"
  awk -v file="$out/report.md" -v begin="<!-- $marker begin -->" -v end="<!-- $marker end -->" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' BENCHMARKS.md > BENCHMARKS.md.new && mv BENCHMARKS.md.new BENCHMARKS.md
fi
