#!/usr/bin/env bash
# Validate benchmark: generates a 1,000,000-row, 12-column CSV and times
# `morbulk validate` beside a plain encoding/csv read of the same file, in one
# run, three times each; prints the medians, rows per second, the ratio and
# peak memory. Usage: bench/validate.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/morbulk" ./cmd/morbulk
go build -o "$work/plaincsv" ./bench/plaincsv
go run ./bench/gencsv -rows "$rows" > "$work/in.csv"
echo "input: $rows rows, 12 columns, $(du -h "$work/in.csv" | cut -f1) ($(nproc) CPUs, $(go version | cut -d' ' -f3))"

# run NAME CMD...: prints "seconds maxrss_kb" of one run
run() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true; tail -n 1 "$work/t"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for tool in plain validate; do
  : > "$work/$tool.times"; : > "$work/$tool.rss"
  for i in 1 2 3; do
    if [ $tool = plain ]; then r=$(run "$work/plaincsv" "$work/in.csv")
    else r=$(run "$work/morbulk" validate --no-html --report "$work/out.jsonl" "$work/in.csv"); fi
    echo "${r% *}" >> "$work/$tool.times"; echo "${r#* }" >> "$work/$tool.rss"
  done
done
pt=$(median < "$work/plain.times"); vt=$(median < "$work/validate.times")
prss=$(sort -n "$work/plain.rss" | tail -1); vrss=$(sort -n "$work/validate.rss" | tail -1)
awk -v r="$rows" -v pt="$pt" -v vt="$vt" -v prss="$prss" -v vrss="$vrss" 'BEGIN {
  printf "%-34s %9s %14s %12s\n", "tool", "median s", "rows/s", "peak RSS MB"
  printf "%-34s %9.2f %14.0f %12.1f\n", "encoding/csv read (the floor)", pt, r/pt, prss/1024
  printf "%-34s %9.2f %14.0f %12.1f\n", "morbulk validate (JSONL report)", vt, r/vt, vrss/1024
  printf "ratio validate/plain: %.2f (goal <= 2.5); goal >= 1500000 rows/s; goal < 64 MB\n", vt/pt
}'
