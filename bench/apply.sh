#!/usr/bin/env bash
# Apply benchmark: `morbulk apply` against `morbulk sim`, each its own process
# on this machine, over loopback. Generates a seed with ROWS users of the admin
# and an input changing each once (bench/applybench), then runs:
#   1. ROWS rows, --rate 0, --workers 8, then 16 (throughput and cost per row);
#   2. LROWS rows, --rate 0, --workers 16, simulator --latency 50ms: the
#      achieved rate should be within 5 % of 16/0.05 = 320 rows/s.
# Client CPU and peak RSS come from /usr/bin/time around the apply process;
# simulator CPU is the change of utime+stime in /proc/PID/stat of the sim
# process over the same run; mean latency is the journal's latency_ms (one
# request's round trip). Usage: bench/apply.sh [ROWS] [LROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-20000}
lrows=${2:-3200}
work=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill -INT "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
ticks=$(getconf CLK_TCK)

go build -o "$work/morbulk" ./cmd/morbulk
go run ./bench/applybench -users "$rows" -seed "$work/seed.yaml" -input "$work/in.csv"
head -n $((lrows + 1)) "$work/in.csv" > "$work/in-latency.csv"
echo "apply benchmark: $rows users in the seed ($(nproc) CPUs, $(go version | cut -d' ' -f3))"

# start_sim FLAGS...: start the simulator on a free loopback port, set $url.
start_sim() {
  "$work/morbulk" sim --seed "$work/seed.yaml" --db "$work/sim.db" --listen 127.0.0.1:0 --log-level warn "$@" \
    > "$work/sim.url" 2> "$work/sim.log" &
  sim_pid=$!
  for _ in $(seq 600); do [ -s "$work/sim.url" ] && break; sleep 0.1; done
  url=$(head -n1 "$work/sim.url")
  [ -n "$url" ] || { cat "$work/sim.log"; echo "simulator did not start"; exit 1; }
}
stop_sim() { kill -INT "$sim_pid"; wait "$sim_pid" || true; sim_pid=""; rm -f "$work/sim.url"; }
# sim_cpu_ms: user+sys CPU of the simulator process so far, in ms.
sim_cpu_ms() { awk -v t="$ticks" '{sub(/^.*\) /, ""); print ($12 + $13) * 1000 / t}' "/proc/$sim_pid/stat"; }

printf '%-26s %6s %8s %8s %14s %11s %12s %16s\n' scenario rows seconds "rows/s" "client ms/row" "sim ms/row" "peak RSS MB" "mean latency ms" > "$work/table"
# scenario NAME INPUT N WORKERS
scenario() {
  local name=$1 input=$2 n=$3 workers=$4
  local s0 s1 e u s m
  s0=$(sim_cpu_ms)
  MORBULK_USER=admin MORBULK_PASSWORD=admin1 MORBULK_SECRET=secret /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$work/morbulk" apply --url "$url" --rate 0 --workers "$workers" --progress none --log-level warn \
    --report "$work/$name.jsonl" "$input" 2> "$work/$name.err" || { cat "$work/$name.err"; echo "$name: apply failed"; exit 1; }
  s1=$(sim_cpu_ms)
  read -r e u s m < "$work/time"
  local ok
  ok=$(grep -c '"status":"updated"' "$work/$name.jsonl" || true)
  [ "$ok" -eq "$n" ] || { echo "$name: $ok of $n rows updated"; exit 1; }
  local lat
  lat=$(grep -o '"latency_ms":[0-9.]*' "$work/$name.jsonl" | awk -F: '{t += $2} END {printf "%.1f", t / NR}')
  awk -v name="$name" -v n="$n" -v e="$e" -v u="$u" -v s="$s" -v m="$m" -v s0="$s0" -v s1="$s1" -v lat="$lat" 'BEGIN {
    printf "%-26s %6d %8.2f %8.0f %14.3f %11.3f %12.1f %16s\n", name, n, e, n / e, (u + s) * 1000 / n, (s1 - s0) / n, m / 1024, lat }' >> "$work/table"
  echo "  $name: $(grep '^requests:' "$work/$name.err")"
}

start_sim
scenario "rate 0, 8 workers" "$work/in.csv" "$rows" 8
scenario "rate 0, 16 workers" "$work/in.csv" "$rows" 16
stop_sim
start_sim --latency 50ms
scenario "latency 50ms, 16 workers" "$work/in-latency.csv" "$lrows" 16
stop_sim
cat "$work/table"
echo "latency goal: within 5 % of 320 rows/s (16 workers / 50 ms), i.e. 304..336;"
echo "the most the client can reach is 16 workers / mean latency (round trip as the client measured it, simulator included)"
uptime
