#!/usr/bin/env bash
# The CMake-built floe under mpirun: gen writes the same data bytes on 1, 2, 3 and 5
# ranks, info reports once, bad input gives one message and a non-zero exit on every rank.
# Usage: end-to-end.sh FLOE MPIEXEC [MPIEXEC FLAGS...]
set -euo pipefail
floe=$1; mpiexec=$2; shift 2; flags=("$@")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
data() { h5dump -d tas "$1" | sed 1d; }  # the data, without the file name line

for np in 1 2 3 5; do
  timeout 120 "$mpiexec" -np $np "${flags[@]}" "$floe" gen -o "$work/g$np.nc" \
    --shape 37,7,11 --chunks 5,4,6 --seed 4 --deflate 1 > /dev/null
done
reference=$(data "$work/g1.nc")
for np in 2 3 5; do
  [ "$(data "$work/g$np.nc")" = "$reference" ] || fail "gen on $np ranks wrote other data than on 1"
done
echo "ok: gen data identical on 1, 2, 3, 5 ranks"

out=$(timeout 120 "$mpiexec" -np 3 "${flags[@]}" "$floe" info "$work/g1.nc")
[ "$(grep -c '^netcdf g1 {' <<<"$out")" = 1 ] || fail "info printed $(grep -c '^netcdf' <<<"$out") reports"
grep -q 'time = UNLIMITED ; // (37 currently)' <<<"$out" || fail "info: no time dimension"
grep -q 'chunked 5 x 4 x 6, shuffle, deflate(1)' <<<"$out" || fail "info: no storage line"
echo "ok: info prints one report under mpirun"

set +e
err=$(timeout 60 "$mpiexec" -np 3 "${flags[@]}" "$floe" info "$work/missing.nc" 2>&1 >/dev/null)
status=$?
set -e
[ $status -ne 124 ] || fail "info on a missing file hung"
[ $status -ne 0 ] || fail "info on a missing file exited 0"
[ "$(grep -c '^floe: error:' <<<"$err")" = 1 ] || fail "expected one error line, got: $err"
grep -q "missing.nc: no such file" <<<"$err" || fail "error does not name the file: $err"
echo "ok: bad input ends every rank with one message"
echo "3 passed, 0 failed"
