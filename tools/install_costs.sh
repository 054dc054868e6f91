#!/usr/bin/env bash
# What each README install line costs: packages installed (pip and setuptools not counted) and the size of
# a fresh venv holding them (`du -sh`). Usage: tools/install_costs.sh [SCRATCH_DIR]  (default: a temp dir).
# Installs from a copy of the committed tree (git archive HEAD), so uncommitted edits are not measured.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${1:-$(mktemp -d)}"
mkdir -p "$scratch/src"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$scratch/src"
measure() {  # NAME PIP-ARGS...
  local name="$1"; shift
  python3 -m venv "$scratch/$name"
  if [ "$#" -gt 0 ]; then (cd "$scratch/src" && "$scratch/$name/bin/pip" install -q "$@"); fi
  local count
  count=$("$scratch/$name/bin/pip" list --format=freeze 2>/dev/null | grep -cvE '^(pip|setuptools)==' || true)
  echo "$name: ${*:-nothing}: $count packages, venv $(du -sh "$scratch/$name" | cut -f1)"
}
measure empty
measure user .
measure extras '.[xlsx,plot,parquet]'
measure test -e '.[test]'
