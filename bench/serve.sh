#!/usr/bin/env bash
# Load benchmark of `docket serve` (not a test): posts a generated AliExpress log to a fresh
# server, first in batches (JSON Lines) and then one event per request, each from several
# connections at once (a case's events always on one connection, in order), and reports
# sustained events/s, p50/p99 request latency, the database's size and the server's peak RSS.
#
#   bench/serve.sh                    # 1,000,000 cases (~4.8M events): bench/data/1m.jsonl
#   CASES=100000 bench/serve.sh       # a shorter run
#
# Environment: CASES (1000000), BATCH (events per batched request, 1000), CONNECTIONS (4),
# SINGLE (events posted one per request, 20000), PROFILE (release; `debug` for a smoke run of
# the script itself, whose figures say nothing of the release build). Instants are moved 28 years ahead
# (serve_load --shift-years) so deadlines lie in the future: the run measures posting.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
CASES=${CASES:-1000000}
BATCH=${BATCH:-1000}
CONNECTIONS=${CONNECTIONS:-4}
SINGLE=${SINGLE:-20000}
POLICY=policies/aliexpress.policy

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
PID=""
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# start DB: a server on a free port; sets PID and ADDR.
start() {
  $BIN/docket serve "$POLICY" --db "$1" --listen 127.0.0.1:0 2>"$WORK/server.log" &
  PID=$!
  for _ in $(seq 1 600); do
    ADDR=$(sed -n 's/^docket serve: listening on http:\/\///p' "$WORK/server.log")
    [[ -n $ADDR ]] && return 0
    sleep 0.1
  done
  echo "error: the server did not start" >&2
  cat "$WORK/server.log" >&2
  exit 2
}
stop() {
  local rss
  rss=$(awk '/VmHWM/ { printf "%d MB", $2 / 1024 }' "/proc/$PID/status")
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  echo "   server peak RSS: $rss"
}
size() { du -cb "$1"* | awk 'END { printf "%.1f MB", $1 / 1048576 }'; }

echo "== batches of $BATCH events, $CONNECTIONS connections: $LOG ($(wc -l <"$LOG") lines)"
start "$WORK/batch.sqlite"
$BIN/serve_load --addr "$ADDR" --log "$LOG" --batch "$BATCH" --connections "$CONNECTIONS" | sed 's/^/   /'
echo "   database: $(size "$WORK/batch.sqlite")"
stop

echo "== one event per request, $CONNECTIONS connections: the first $SINGLE lines"
start "$WORK/single.sqlite"
$BIN/serve_load --addr "$ADDR" --log "$LOG" --mode single --limit "$SINGLE" --connections "$CONNECTIONS" | sed 's/^/   /'
echo "   database: $(size "$WORK/single.sqlite")"
stop
echo "   machine: $(nproc) cores; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
