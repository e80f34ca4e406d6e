#!/usr/bin/env bash
# Benchmarks of morbulk beside the tools an operator would use instead (issue 6).
#
#   validate: morbulk validate, a plain encoding/csv read (the floor), Miller
#             with the same rules (bench/compare/rules.mlr), csvclean (structure only),
#             on one generated file of ROWS rows and 12 columns (bench/gencsv).
#   apply:    morbulk apply, newman (bench/compare/newman-collection.json), GNU
#             parallel running curl, against `morbulk sim` on loopback seeded with
#             APPLY_ROWS admin-owned users; a fresh copy of the same database for
#             every run of every contender, and a check of the database afterwards.
#
# Each contender runs RUNS times, interleaved (run 1 of each, then run 2 ...); the
# table shows the median wall time and CPU time and the largest peak RSS. It is
# printed and written between the markers of docs/benchmarks.md.
#
# Usage: bench/compare.sh [--no-docs]     (make bench calls it)
# Environment: ROWS (1000000), APPLY_ROWS (5000), RUNS (3), WORKERS (8),
#              KEEP=1 keeps the work directory and says where it is.
# Installs what is missing: Debian packages miller csvkit parallel curl sqlite3
# time (apt-get, as root) and newman into bench/compare/node (npm ci from the pinned
# bench/compare/package-lock.json, no global install).
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
root=$PWD
ROWS=${ROWS:-1000000}
APPLY_ROWS=${APPLY_ROWS:-5000}
RUNS=${RUNS:-3}
WORKERS=${WORKERS:-8}
docs=docs/benchmarks.md
write_docs=1
[ "${1:-}" = --no-docs ] && write_docs=0

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
need=()
command -v mlr >/dev/null || need+=(miller)
command -v csvclean >/dev/null || need+=(csvkit)
command -v parallel >/dev/null || need+=(parallel)
command -v curl >/dev/null || need+=(curl)
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
newman=$root/bench/compare/node/node_modules/.bin/newman
if [ ! -x "$newman" ]; then
  command -v npm >/dev/null || die "npm not found (newman needs Node 20 and npm)"
  say "installing newman into bench/compare/node"
  # bench/compare/package*.json pin newman 6.2.2 and its dependencies; node/ is not tracked
  mkdir -p bench/compare/node
  cp bench/compare/package.json bench/compare/package-lock.json bench/compare/node/
  npm ci --prefix bench/compare/node --no-audit --no-fund >/dev/null
fi

work=$(mktemp -d /tmp/morbulk-compare.XXXXXX)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill -INT "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/v" "$work/a" "$work/res"

say "building morbulk and plaincsv"
go build -trimpath -o "$work/morbulk" ./cmd/morbulk
go build -trimpath -o "$work/plaincsv" ./bench/plaincsv
mb=$work/morbulk
no_html=()
"$mb" validate --help 2>&1 | grep -q -- '--no-html' && no_html=(--no-html)

# measure KEY OUT DIR CMD...: runs CMD in DIR with stdout to OUT, appends
# "wall cpu rss_kb rc" to res/KEY (cpu = user+sys of CMD and the children it waited for).
measure() {
  local key=$1 out=$2 dir=$3 rc=0; shift 3
  (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >"$out" 2>"$work/res/$key.stderr") || rc=$?
  tail -n1 "$work/t" | awk -v rc=$rc '{printf "%s %.2f %s %s\n", $1, $2 + $3, $4, rc}' >>"$work/res/$key"
}
# median FILE COLUMN, maxcol FILE COLUMN
median() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxcol() { awk -v c="$2" '{print $c}' "$1" | sort -g | tail -n1; }

# ---------------------------------------------------------------- validate
say "validate: generating $ROWS rows"
go run ./bench/gencsv -rows "$ROWS" >"$work/v/in.csv"
cp bench/compare/rules.mlr "$work/v/rules.mlr"
expect_bad=$(( ROWS / 50 ))
for i in $(seq "$RUNS"); do
  say "validate run $i/$RUNS"
  measure plain "$work/v/plain.out" "$work/v" "$work/plaincsv" in.csv
  measure morbulk_validate /dev/null "$work/v" "$mb" validate "${no_html[@]}" --report out.jsonl in.csv
  measure mlr "$work/v/mlr.jsonl" "$work/v" mlr -S --icsv --ojsonl --allow-ragged-csv-input put -f rules.mlr in.csv
  rm -f "$work/v/in_out.csv" "$work/v/in_err.csv"
  measure csvclean /dev/null "$work/v" csvclean in.csv
done
# rows each tool flagged (the same 1 in 50 rows for all three, or the comparison is void)
flag_morbulk=$(grep -c '"status":"invalid"' "$work/v/out.jsonl" || true)
flag_mlr=$(grep -c '"_status": "invalid"' "$work/v/mlr.jsonl" || true)
flag_csvclean=$(( $(wc -l <"$work/v/in_err.csv") - 1 ))
read_plain=$(awk '{print $1 - 1; exit}' "$work/v/plain.out") # data rows (the header is a record)

# ---------------------------------------------------------------- apply
say "apply: seeding a simulator database with $APPLY_ROWS users"
{
  printf 'profile: mor12\nsettings:\n  allow_api: true\n  allow_get_api: false\n  api_secret_key: secret\nusers:\n'
  printf '  - {id: 0, username: admin, password: admin1, usertype: admin, owner_id: 0}\n'
  awk -v n="$APPLY_ROWS" 'BEGIN { for (i = 1; i <= n; i++) { id = 1000 + i
    printf "  - {id: %d, username: user%d, password: pw%d, usertype: user, owner_id: 0, last_name: Seed}\n", id, id, id } }'
} >"$work/a/seed.yaml"
# the change file: user_id, blocked (u15), last_name (u17) with a non-ASCII letter,
# an apostrophe or a space in some names, to test each client's encoding and quoting
awk -v n="$APPLY_ROWS" 'BEGIN { split("Smith|Müller|O'"'"'Brien|García|van Dijk", ln, "|")
  print "user_id,u15,u17"
  for (i = 1; i <= n; i++) { id = 1000 + i; printf "%d,%d,%s-%d\n", id, i % 2, ln[i % 5 + 1], id } }' >"$work/a/input.csv"
sqlite3 "$work/a/expect.db" ".import --csv $work/a/input.csv expect"

# sim_start DB: starts the simulator on DB, sets sim_pid and base
sim_start() {
  rm -f "$work/a/sim.out"
  "$mb" sim --seed "$work/a/seed.yaml" --db "$1" --listen 127.0.0.1:0 >"$work/a/sim.out" 2>"$work/a/sim.err" &
  sim_pid=$!
  local n=0
  until grep -q '^http.*/billing$' "$work/a/sim.out" 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 300 ] || die "simulator did not start: $(cat "$work/a/sim.err")"
    kill -0 "$sim_pid" 2>/dev/null || die "simulator exited: $(cat "$work/a/sim.err")"
    sleep 0.1
  done
  base=$(head -n1 "$work/a/sim.out")
}
sim_stop() { kill -INT "$sim_pid"; wait "$sim_pid" || true; sim_pid=; }
# CPU seconds (user+sys) the simulator has used so far
sim_cpu() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz}' "/proc/$sim_pid/stat"; }

sim_start "$work/a/template.db"
sim_stop
[ ! -e "$work/a/template.db-wal" ] || [ ! -s "$work/a/template.db-wal" ] || die "template database not checkpointed"

cat >"$work/a/env.json" <<EOF
{"name": "bench", "values": [
  {"key": "mor_user", "value": "admin"}, {"key": "mor_password", "value": "admin1"},
  {"key": "mor_secret", "value": "secret"}, {"key": "base", "value": "BASE"}]}
EOF
cp bench/compare/newman-collection.json "$work/a/collection.json"

# the GNU parallel + curl command line, as an operator would write it
# shellcheck disable=SC2016 # expanded by the shell parallel starts
curl_job='h=$(printf %s {user_id}{u15}{u17}"$MOR_SECRET" | sha1sum | cut -c1-40); curl -sS -d u=admin -d p="$MOR_PASSWORD" -d user_id={user_id} -d u15={u15} --data-urlencode u17={u17} -d hash=$h "$BASE/api/user_update_api"'

# run_apply KEY: one run of one contender on a fresh copy of the seeded database
run_apply() {
  local key=$1 db=$work/a/$1.db
  rm -f "$db" "$db-wal" "$db-shm" "$work/a/journal.jsonl" "$work/a/newman.json"
  cp "$work/a/template.db" "$db"
  sim_start "$db"
  local c0; c0=$(sim_cpu)
  case $key in
  morbulk_apply | morbulk_apply_w1)
    local w=$WORKERS; [ "$key" = morbulk_apply_w1 ] && w=1
    MORBULK_USER=admin MORBULK_PASSWORD=admin1 MORBULK_SECRET=secret \
      measure "$key" /dev/null "$work/a" "$mb" apply --url "$base" --rate 0 --workers "$w" \
      --progress none --report journal.jsonl input.csv
    ok_rows=$(grep -c '"status":"updated"' "$work/a/journal.jsonl" || true) ;;
  newman)
    sed "s|BASE|$base|" "$work/a/env.json" >"$work/a/env-run.json"
    measure newman "$work/a/newman.out" "$work/a" "$newman" run collection.json -d input.csv -e env-run.json \
      -r cli,json --reporter-json-export newman.json
    ok_rows=$(node -e 'const r = require(process.argv[1]); let n = 0;
      for (const e of r.run.executions) if ((e.assertions || []).length && e.assertions.every(a => !a.error)) n++;
      console.log(n)' "$work/a/newman.json") ;;
  parallel_curl)
    BASE=$base MOR_PASSWORD=admin1 MOR_SECRET=secret \
      measure parallel_curl "$work/a/responses.txt" "$work/a" parallel -j "$WORKERS" --colsep , --header : --tag \
      "$curl_job" :::: input.csv
    ok_rows=$(grep -c 'User was updated' "$work/a/responses.txt" || true) ;;
  esac
  local c1; c1=$(sim_cpu)
  sim_stop
  local in_db
  in_db=$(sqlite3 "$db" "attach '$work/a/expect.db' as x;
    select count(*) from users u join x.expect e on u.id = e.user_id where u.last_name = e.u17 and u.blocked = e.u15;")
  awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f\n", b - a}' >>"$work/res/$key.sim"
  echo "$ok_rows $in_db" >>"$work/res/$key.check"
  rm -f "$db" "$db-wal" "$db-shm"
}
for i in $(seq "$RUNS"); do
  for key in morbulk_apply morbulk_apply_w1 newman parallel_curl; do
    say "apply run $i/$RUNS: $key"
    run_apply "$key"
  done
done

# ---------------------------------------------------------------- report
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_gb=$(awk '/^MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
ver_mb=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
ver_mlr=$(mlr --version | awk '{print $2}')
ver_csvkit=$(csvclean --version 2>&1 | awk '{print $2}')
ver_par=$(parallel --version | awk 'NR == 1 {print $3}')
ver_curl=$(curl --version | awk 'NR == 1 {print $2}')
ver_newman=$("$newman" --version)
ver_node=$(node --version)
load=$(cut -d' ' -f1-3 /proc/loadavg)

row_validate() { # KEY NAME FLAGGED
  local f=$work/res/$1
  awk -v n="$2" -v r="$ROWS" -v w="$(median "$f" 1)" -v c="$(median "$f" 2)" -v m="$(maxcol "$f" 3)" -v fl="$3" \
    'BEGIN {printf "| %s | %.2f | %.0f | %.2f | %.0f | %s |\n", n, w, r / w, c, m / 1024, fl}'
}
row_apply() { # KEY NAME CONCURRENCY
  local f=$work/res/$1
  awk -v n="$2" -v j="$3" -v r="$APPLY_ROWS" -v w="$(median "$f" 1)" -v c="$(median "$f" 2)" -v m="$(maxcol "$f" 3)" \
    -v s="$(median "$f.sim" 1)" -v ok="$(sort -n "$f.check" | head -n1)" \
    'BEGIN {split(ok, k, " "); printf "| %s | %s | %.2f | %.0f | %.2f | %.2f | %.0f | %s / %s |\n", n, j, w, r / w, c, s, m / 1024, k[1], k[2]}'
}
rate() { awk -v r="$2" -v w="$(median "$work/res/$1" 1)" 'BEGIN {printf "%.0f", r / w}'; }
v_mb=$(rate morbulk_validate "$ROWS"); v_plain=$(rate plain "$ROWS"); v_mlr=$(rate mlr "$ROWS")
a_mb=$(rate morbulk_apply "$APPLY_ROWS"); a_mb1=$(rate morbulk_apply_w1 "$APPLY_ROWS")
a_nm=$(rate newman "$APPLY_ROWS"); a_pc=$(rate parallel_curl "$APPLY_ROWS")
a_cpu=$(median "$work/res/morbulk_apply" 2); a_sim=$(median "$work/res/morbulk_apply.sim" 1)
a_wall=$(median "$work/res/morbulk_apply" 1)
goal() { awk -v x="$1" -v op="$2" -v y="$3" 'BEGIN {m = (op == ">=") ? x >= y : x <= y; printf "%.2f (goal %s %s): %s", x, op, y, m ? "met" : "NOT met"}'; }

md=$work/results.md
{
  echo "Run of \`bench/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), morbulk $ver_mb."
  echo
  echo "Machine: $(nproc) CPUs ($cpu_model), $mem_gb GiB RAM, $os, $(go version | awk '{print $3}'); load average at the end: $load."
  echo "Tools: Miller $ver_mlr, csvkit $ver_csvkit, GNU parallel $ver_par, curl $ver_curl, newman $ver_newman on Node $ver_node, SQLite $(sqlite3 --version | awk '{print $1}')."
  echo "Medians of $RUNS runs (wall and CPU), the largest peak RSS of the runs."
  echo
  echo "**Validate**: $ROWS rows, 12 columns, $(du -m "$work/v/in.csv" | cut -f1) MB; $expect_bad rows are bad (a decimal comma that also makes a 13th field)."
  echo
  echo "| tool | wall s | rows/s | CPU s (user+sys) | peak RSS MB | rows flagged |"
  echo "|---|---:|---:|---:|---:|---:|"
  row_validate plain "encoding/csv read (floor)" "- ($read_plain read)"
  row_validate morbulk_validate "morbulk validate ${no_html[*]} --report out.jsonl" "$flag_morbulk"
  row_validate mlr "Miller, same rules (rules.mlr), JSONL out" "$flag_mlr"
  row_validate csvclean "csvclean (structure only)" "$flag_csvclean"
  echo
  echo "* morbulk vs Miller rows/s: $(goal "$(awk -v a="$v_mb" -v b="$v_mlr" 'BEGIN {print a / b}')" '>=' 5)"
  echo "* morbulk time vs the plain read: $(goal "$(awk -v a="$v_plain" -v b="$v_mb" 'BEGIN {print a / b}')" '<=' 2.5)"
  echo
  echo "**Apply**: $APPLY_ROWS rows (user_id, u15, u17) against \`morbulk sim\` (mor12 profile) on loopback, a fresh copy of the seeded database per run."
  echo "Client CPU is the client's process tree; the simulator's CPU over the same run is apart. Last column: rows the tool itself reports updated / rows found right in the database afterwards (lowest of the runs)."
  echo
  echo "| tool | concurrency | wall s | rows/s | client CPU s | sim CPU s | client peak RSS MB | updated: tool / database |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  row_apply morbulk_apply "morbulk apply --rate 0 --workers $WORKERS" "$WORKERS"
  row_apply morbulk_apply_w1 "morbulk apply --rate 0 --workers 1" 1
  row_apply newman "newman run (CSV data file)" 1
  row_apply parallel_curl "parallel -j $WORKERS + curl" "$WORKERS"
  echo
  echo "* morbulk ($WORKERS workers) vs newman rows/s: $(goal "$(awk -v a="$a_mb" -v b="$a_nm" 'BEGIN {print a / b}')" '>=' 10); at the same concurrency 1: $(awk -v a="$a_mb1" -v b="$a_nm" 'BEGIN {printf "%.2f", a / b}')"
  echo "* morbulk vs parallel + curl at $WORKERS: $(goal "$(awk -v a="$a_mb" -v b="$a_pc" 'BEGIN {print a / b}')" '>=' 3)"
  echo "* who is the bottleneck in the morbulk run: client CPU $a_cpu s, simulator CPU $a_sim s over $a_wall s on $(nproc) CPUs: $(awk -v c="$a_cpu" -v s="$a_sim" 'BEGIN {print (s > c) ? "the simulator" : "the client"}')"
} >"$md"

echo "* the whole script took $(( $(date +%s) - start )) s" >>"$md"
echo
cat "$md"
# rows each tool reported: any mismatch makes the comparison void, so say it loudly
[ "$flag_morbulk" = "$expect_bad" ] && [ "$flag_mlr" = "$expect_bad" ] && [ "$flag_csvclean" = "$expect_bad" ] ||
  echo "WARNING: the validate contenders did not flag the same $expect_bad rows (see the table)" >&2
for key in morbulk_apply morbulk_apply_w1 newman parallel_curl; do
  awk -v n="$APPLY_ROWS" -v k="$key" '$1 != n || $2 != n {bad = 1} END {if (bad) print "WARNING: " k ": not every row was updated in some run (see the table)"}' \
    "$work/res/$key.check" >&2
done

if [ "$write_docs" = 1 ]; then
  if grep -q '^<!-- compare:begin -->$' "$docs" 2>/dev/null && grep -q '^<!-- compare:end -->$' "$docs"; then
    awk -v f="$md" '/^<!-- compare:begin -->$/ {print; while ((getline l < f) > 0) print l; skip = 1; next}
      /^<!-- compare:end -->$/ {skip = 0} !skip' "$docs" >"$work/docs.md"
    cat "$work/docs.md" >"$docs"
    say "results written to $docs"
  else
    say "$docs has no <!-- compare:begin/end --> markers: paste the table above"
  fi
fi
