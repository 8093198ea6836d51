#!/usr/bin/env bash
# Installs what Floe needs on a Debian machine (if missing), then builds floe in release.
# Idempotent: a second run installs nothing and only rebuilds what changed.
#   scripts/bootstrap.sh            install + release build
#   scripts/bootstrap.sh --deps     install only
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openmpi-bin libopenmpi-dev libhdf5-openmpi-dev libdeflate-dev hdf5-tools netcdf-bin cmake ninja-build pkg-config
          cdo nco   # the peers the tests cross-check against
          iproute2) # network namespaces for the simulated cluster (scripts/cluster.sh)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "bootstrap: Swift 6 is not on PATH (see swift.org/install)" >&2; exit 1; }
pkg-config --exists ompi-c hdf5-openmpi libdeflate || { echo "bootstrap: pkg-config cannot find ompi-c / hdf5-openmpi / libdeflate" >&2; exit 1; }

if [ "${1:-}" != "--deps" ]; then
  swift build -c release --product floe
  echo "bootstrap: built $(swift build -c release --show-bin-path)/floe"
fi
