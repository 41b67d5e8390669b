#!/usr/bin/env bash
# Load benchmark of `docket serve --db postgres://...` with several instances (not a test).
# Starts a throwaway PostgreSQL cluster (Debian's `postgresql` package; as the `postgres` user
# when run as root), then for 1, 2 and 4 instances on a fresh database each: posts a generated
# AliExpress log in batches spread over the instances (a case's events on one connection, in
# order) and reports events/s and request latency; then, while a second copy of the load runs,
# opens cases whose first deadline (the seller's 5 days) falls due during the run and reports
# how late the instances fired them (docket_timer_lag_seconds, summed over the instances).
#
#   bench/serve_pg.sh                      # 100,000 cases (~480k events)
#   CASES=10000 PROFILE=debug bench/serve_pg.sh   # a smoke run of the script itself
#
# Environment: CASES (100000), BATCH (1000), CONNECTIONS (per instance, 2), TIMERS (cases
# whose deadline falls due under load, 2000), INSTANCES ("1 2 4"), PROFILE (release).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
CASES=${CASES:-100000}
BATCH=${BATCH:-1000}
CONNECTIONS=${CONNECTIONS:-2}
TIMERS=${TIMERS:-2000}
INSTANCES=${INSTANCES:-"1 2 4"}
POLICY=policies/aliexpress.policy
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z $PGBIN ]]; then
  echo "error: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 2
fi

label() {
  local n=$1
  if ((n >= 1000000 && n % 1000000 == 0)); then echo "$((n / 1000000))m"
  elif ((n >= 1000 && n % 1000 == 0)); then echo "$((n / 1000))k"
  else echo "$n"; fi
}
LOG=bench/data/$(label "$CASES").jsonl
PROFILE=${PROFILE:-release}
if [[ $PROFILE == release ]]; then FLAG=--release; else FLAG=; fi
echo "== building ($PROFILE)"
cargo build $FLAG -q --bin docket
cargo build $FLAG -q -p docket-bench --bins
BIN=target/$PROFILE
mkdir -p bench/data
if [[ ! -f $LOG ]]; then
  echo "== generating $LOG"
  $BIN/gen --cases "$CASES" --seed 1 --malformed-per-mille 1 >"$LOG.tmp" 2>/dev/null
  mv "$LOG.tmp" "$LOG"
fi

WORK=$(mktemp -d)
AS=()
if [[ $(id -u) == 0 ]]; then
  AS=(runuser -u postgres --)
  chown postgres "$WORK"
fi
PIDS=()
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  "${AS[@]}" "$PGBIN/pg_ctl" stop -m immediate -D "$WORK/data" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (a throwaway cluster; fsync on)"
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U docket --auth=trust --locale=C -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" start -w -D "$WORK/data" -l "$WORK/pg.log" \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" >/dev/null
psql() { "$PGBIN/psql" -q -h 127.0.0.1 -p "$PORT" -U docket "$@"; }

# start N DB: N instances on the database; sets PIDS and ADDRS (comma-separated).
start() {
  local n=$1 db=$2 addrs=()
  PIDS=()
  for i in $(seq 1 "$n"); do
    $BIN/docket serve "$POLICY" --db "postgres://docket@127.0.0.1:$PORT/$db" --migrate --listen 127.0.0.1:0 \
      2>"$WORK/server-$i.log" &
    PIDS+=($!)
  done
  for i in $(seq 1 "$n"); do
    local addr=""
    for _ in $(seq 1 600); do
      addr=$(sed -n 's/^docket serve: listening on http:\/\///p' "$WORK/server-$i.log")
      [[ -n $addr ]] && break
      sleep 0.1
    done
    if [[ -z $addr ]]; then echo "error: instance $i did not start" >&2; cat "$WORK/server-$i.log" >&2; exit 2; fi
    addrs+=("$addr")
  done
  ADDRS=$(IFS=,; echo "${addrs[*]}")
}
stop() {
  for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  PIDS=()
}

# Cases opened so that the seller's 5-day deadline falls due 5-25 s from now, spread evenly.
timer_cases() {
  python3 - "$1" <<'PY'
import datetime, sys
n = int(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
for i in range(n):
    at = now - datetime.timedelta(days=5) + datetime.timedelta(seconds=5 + 20 * i / n)
    t = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    print('{"case": "LAG-%d", "at": "%s", "role": "buyer", "action": "open", "id": "lag-%d", '
          '"reason": "not_received", "amount": "40.00", "order_total": "80.00"}' % (i, t, i))
PY
}

# The sum over instances of a Prometheus counter or bucket line.
metric() {
  local sum=0 addr v
  for addr in ${ADDRS//,/ }; do
    v=$(curl -s "http://$addr/metrics" | awk -v k="$1" '$1 == k { print $2 }')
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

for n in $INSTANCES; do
  psql -d postgres -c "CREATE DATABASE bench_$n"
  start "$n" "bench_$n"
  conns=$((CONNECTIONS * n))
  echo "== $n instance(s), batches of $BATCH events over $conns connections: $LOG ($(wc -l <"$LOG") lines)"
  $BIN/serve_load --addr "$ADDRS" --log "$LOG" --batch "$BATCH" --connections "$conns" | sed 's/^/   /'
  echo "   database: $(psql -d "bench_$n" -At -c "SELECT pg_size_pretty(pg_database_size('bench_$n'))")"
  echo "== $n instance(s): $TIMERS deadlines falling due over 20 s while the log is posted again (as duplicates)"
  timer_cases "$TIMERS" >"$WORK/timers.jsonl"
  $BIN/serve_load --addr "$ADDRS" --log "$LOG" --batch "$BATCH" --connections "$conns" >/dev/null &
  LOAD=$!
  $BIN/serve_load --addr "$ADDRS" --log "$WORK/timers.jsonl" --shift-years 0 --batch 100 --connections "$n" | sed 's/^/   timer cases: /'
  for _ in $(seq 1 60); do
    fired=$(metric "docket_timer_lag_seconds_count")
    ((fired >= TIMERS)) && break
    sleep 1
  done
  wait "$LOAD" || true
  total=$(metric "docket_timer_lag_seconds_count")
  line="   timers fired: $total;"
  for le in 0.1 0.25 0.5 1 2 5; do
    line+=" within ${le}s: $(metric "docket_timer_lag_seconds_bucket{le=\"$le\"}")"
  done
  echo "$line"
  echo "   fired once each: $(psql -d "bench_$n" -At -c "SELECT CASE WHEN count(*) = count(DISTINCT case_id) THEN 'yes' ELSE 'NO' END || ' (' || count(*) || ' timer records)' FROM changes WHERE case_id LIKE 'LAG-%' AND body LIKE '%\"kind\":\"timer\"%'")"
  stop
done
echo "   machine: $(nproc) cores (shared); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
