#!/usr/bin/env bash
# docs/cli.md: the command-line reference, made from `floe --help` and each command's
# `--help`, so that it says what the code does.
#   scripts/cli-reference.sh [FLOE]            rewrite docs/cli.md
#   scripts/cli-reference.sh --check [FLOE]    exit 1 if docs/cli.md is not current
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
floe=${1:-.build/debug/floe}
[ -x "$floe" ] || { echo "cli-reference: no $floe (swift build first)" >&2; exit 1; }
export COLUMNS=100

render() {
  echo "# Command-line reference"
  echo
  echo "Made by \`scripts/cli-reference.sh\` from \`floe --help\` and each command's \`--help\`"
  echo "(\`scripts/test.sh\` checks it is current). Every command runs under \`mpirun\` / \`srun\` or"
  echo "alone; see README.md for examples and docs/troubleshooting.md for every error message."
  echo
  echo '```'
  "$floe" --help
  echo '```'
  for command in $("$floe" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | awk '/^  [a-z]/ {print $1}'); do
    echo
    echo "## floe $command"
    echo
    echo '```'
    "$floe" "$command" --help
    echo '```'
  done
}

if $check; then
  if ! diff -u docs/cli.md <(render) > /tmp/cli-reference.diff; then
    cat /tmp/cli-reference.diff >&2
    echo "cli-reference: docs/cli.md is not what --help says; run scripts/cli-reference.sh" >&2
    exit 1
  fi
  echo "cli-reference: docs/cli.md matches --help of $("$floe" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | grep -c '^  [a-z]') commands"
else
  render > docs/cli.md
  echo "cli-reference: wrote docs/cli.md"
fi
