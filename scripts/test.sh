#!/usr/bin/env bash
# Every test: unit tests, the end-to-end suite under mpirun -np 1,2,3,5 (shared memory,
# then once more over TCP on loopback, then on a simulated cluster of 2 hosts x 2 ranks and
# the determinism and node tests on 3 x 2 with ranks dealt round the hosts: scripts/cluster.sh), and the
# CMake build with its CTest run, a run report rendered in headless Chromium, and 3 rounds
# of scripts/soak.sh (kill a rank, resume).
# Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh --deps

echo "== swift build"
swift build --build-tests

echo "== docs: the CLI reference is --help; every error message is in the troubleshooting page"
bash scripts/cli-reference.sh --check .build/debug/floe
python3 scripts/error-messages.py --check docs/troubleshooting.md

echo "== swift test (unit tests, end-to-end under mpirun -np ${FLOE_E2E_RANKS:-1,2,3,5})"
swift test

echo "== end-to-end again over TCP (--mca btl self,tcp)"
FLOE_E2E_MPI_ARGS="--mca btl self,tcp" swift test --filter EndToEndTests

echo "== end-to-end again on a simulated cluster: 2 hosts x 2 ranks (scripts/cluster.sh)"
bash scripts/cluster.sh up 3
trap 'bash scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT
FLOE_E2E_MPI_ARGS="$(bash scripts/cluster.sh mpirun-args 2 2)" \
  swift test --filter EndToEndTests
echo "== determinism across 3 hosts x 2 ranks, ranks dealt round the hosts (--map-by node):"
echo "   the same bytes at 1, 2, 3, 5 and 6 ranks; one exchange message per host crosses hosts"
FLOE_E2E_MPI_ARGS="$(bash scripts/cluster.sh mpirun-args 2 3) --map-by node" FLOE_E2E_RANKS=1,2,3,5,6 \
  swift test --filter "EndToEndTests.(ReduceTests/test.*SameBytes|EveryOperationTests|NodeTests)"
bash scripts/cluster.sh down

echo "== CMake build and CTest"
cmake -G Ninja -S . -B .build-cmake -DCMAKE_BUILD_TYPE=Release > .build-cmake.log 2>&1 || { cat .build-cmake.log; exit 1; }
cmake --build .build-cmake
(cd .build-cmake && ctest --output-on-failure)

echo "== a run report rendered in headless Chromium"
bash scripts/check-report.sh .build/debug/floe

echo "== soak: a rank killed at random moments 3 times, resumed each time, same values"
bash scripts/soak.sh --kills 3
