#!/usr/bin/env bash
# A simulated cluster on this machine: N "hosts", each a network namespace with its own
# address (10.77.0.2, .3, ...) and host name (floe1, floe2, ...) on a private bridge
# (br-floe, 10.77.0.1), and an rsh agent that "logs in" to a host by entering its
# namespace. Ranks on different hosts talk over TCP between namespaces, as nodes do over a
# network; ranks on one host share memory. Only the namespaces' own addresses are used:
# nothing leaves the machine. Needs root and iproute2.
#   scripts/cluster.sh up N              create hosts 1..N (idempotent)
#   scripts/cluster.sh down              remove them all (idempotent)
#   scripts/cluster.sh status            list the hosts
#   scripts/cluster.sh mpirun-args [S [H]]  the mpirun arguments that place S ranks per host
#                                        (default 2) on the first H hosts (default all)
#   scripts/cluster.sh mpirun [S] -- ARGS...   mpirun ARGS across the hosts, S slots each
set -euo pipefail
state=${FLOE_CLUSTER_DIR:-/tmp/floe-cluster}
bridge=br-floe
net=10.77.0

need() {
  [ "$(id -u)" -eq 0 ] || { echo "cluster: needs root (network namespaces)" >&2; exit 1; }
  command -v ip >/dev/null || { echo "cluster: needs iproute2 (apt-get install iproute2)" >&2; exit 1; }
  command -v unshare >/dev/null || { echo "cluster: needs unshare (util-linux)" >&2; exit 1; }
}

hosts() { ip netns list 2>/dev/null | awk '/^floe[0-9]+/ {print $1}' | sort -V; }

up() {
  local n=$1
  need
  mkdir -p "$state"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$net.1/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  for i in $(seq 1 "$n"); do
    local ns=floe$i address=$net.$((i + 1))
    if ! ip netns list | grep -qw "$ns"; then
      ip netns add "$ns"
      ip link add "vf$i" type veth peer name "vf$i-ns"
      ip link set "vf$i-ns" netns "$ns"
      ip link set "vf$i" master "$bridge"
      ip link set "vf$i" up
      ip netns exec "$ns" ip addr add "$address/24" dev "vf$i-ns"
      ip netns exec "$ns" ip link set "vf$i-ns" up
      ip netns exec "$ns" ip link set lo up
    fi
  done
  agent
  echo "cluster: $(hosts | wc -l) host(s) up: $(hosts | tr '\n' ' ')"
}

# The rsh agent mpirun starts its daemons with: `nsrsh HOST COMMAND...` runs COMMAND in the
# host's namespace, under the host's own name (its own UTS namespace).
agent() {
  cat > "$state/nsrsh" <<AGENT
#!/bin/sh
host=\$1; shift
case \$host in
  $net.*) i=\$((\${host##*.} - 1)) ;;
  floe*) i=\${host#floe} ;;
  *) echo "nsrsh: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec floe\$i unshare --uts sh -c "hostname floe\$i; \$*"
AGENT
  chmod +x "$state/nsrsh"
}

down() {
  need
  for ns in $(hosts); do
    ip netns del "$ns" 2>/dev/null || true   # takes its end of the veth pair with it
  done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$state"
  echo "cluster: down"
}

mpirun_args() {
  local slots=${1:-2} count=${2:-0}
  local list
  list=$(hosts | sed "s/^floe\([0-9]*\)$/\1/" | { if [ "$count" -gt 0 ]; then head -n "$count"; else cat; fi; } |
    while read -r i; do echo -n "$net.$((i + 1)):$slots,"; done)
  [ -n "$list" ] || { echo "cluster: no hosts: run scripts/cluster.sh up N first" >&2; exit 1; }
  # mpi_yield_when_idle: a rank waiting in MPI yields its core. Here every "host" shares the
  # machine's 2 cores, and the kernel moves veth packets in softirq time on those cores: ranks
  # that busy-poll starve it, and a round trip between hosts took 8 ms instead of 44 us
  # (a real node's network card interrupts; measured with a ping-pong, see BENCHMARKS.md).
  echo "--mca plm_rsh_agent $state/nsrsh --host ${list%,}" \
    "--mca oob_tcp_if_include $net.0/24 --mca btl_tcp_if_include $net.0/24 --mca btl self,vader,tcp" \
    "--mca mpi_yield_when_idle 1"
}

case "${1:-}" in
  up) up "${2:?cluster: up N}" ;;
  down) down ;;
  status) hosts ;;
  mpirun-args) mpirun_args "${2:-2}" "${3:-0}" ;;
  mpirun)
    shift
    slots=2
    if [ "${1:-}" != "--" ]; then slots=$1; shift; fi
    [ "${1:-}" = "--" ] && shift
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # shellcheck disable=SC2046
    exec mpirun --oversubscribe $(mpirun_args "$slots") "$@" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 64 ;;
esac
