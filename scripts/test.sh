#!/usr/bin/env bash
# Every test: unit tests, the end-to-end suite under mpirun -np 1,2,3,5 (shared memory,
# then once more over TCP on loopback, the path ranks on different nodes take), and the
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

echo "== CMake build and CTest"
cmake -G Ninja -S . -B .build-cmake -DCMAKE_BUILD_TYPE=Release > .build-cmake.log 2>&1 || { cat .build-cmake.log; exit 1; }
cmake --build .build-cmake
(cd .build-cmake && ctest --output-on-failure)

echo "== a run report rendered in headless Chromium"
bash scripts/check-report.sh .build/debug/floe

echo "== soak: a rank killed at random moments 3 times, resumed each time, same values"
bash scripts/soak.sh --kills 3
