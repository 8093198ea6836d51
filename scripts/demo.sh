#!/usr/bin/env bash
# A first run: makes a sample dataset with `floe gen` on 3 ranks under mpirun, shows it
# with `floe info`, and computes its time mean and monthly climatology on the BSP runtime.
#   scripts/demo.sh [OUTPUT_DIR]      default: ./demo-output
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
floe="$(swift build -c release --show-bin-path)/floe"
out=${1:-demo-output}
mkdir -p "$out"
mpirun_flags=(--oversubscribe --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
[ "$(id -u)" -eq 0 ] && mpirun_flags+=(--allow-run-as-root)

echo "== mpirun -np 3 floe gen -o $out/tas.nc --shape 730,73,144 --overwrite"
mpirun -np 3 "${mpirun_flags[@]}" "$floe" gen -o "$out/tas.nc" --shape 730,73,144 --overwrite
echo "== mpirun -np 3 floe info $out/tas.nc"
mpirun -np 3 "${mpirun_flags[@]}" "$floe" info "$out/tas.nc"
echo "== mpirun -np 3 floe reduce $out/tas.nc --var tas --op mean --over time -o $out/tas_mean.nc"
mpirun -np 3 "${mpirun_flags[@]}" "$floe" reduce "$out/tas.nc" --var tas --op mean --over time \
  -o "$out/tas_mean.nc" --overwrite
echo "== mpirun -np 3 floe reduce $out/tas.nc --var tas --op mean --by time.month -o $out/tas_ymonmean.nc"
mpirun -np 3 "${mpirun_flags[@]}" "$floe" reduce "$out/tas.nc" --var tas --op mean --by time.month \
  -o "$out/tas_ymonmean.nc" --overwrite
echo "demo: in $out: the dataset tas.nc, its time mean tas_mean.nc and its monthly climatology"
echo "      tas_ymonmean.nc (ncdump, xarray, CDO and NCO read all three)"
