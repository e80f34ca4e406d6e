#!/usr/bin/env bash
# Runs every native fuzz target of the repository for a while each.
# Usage: bench/fuzz.sh [FUZZTIME]   (default 10s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $target ($t)"
    go test -run=NONE -fuzz="^${target}\$" -fuzztime="$t" "$pkg" 2>&1 | tail -3
  done
done
