#!/usr/bin/env bash
# Docket's benchmark: `docket eval --summary` against the hand-written baseline (bench/src/baseline.rs)
# on one large generated AliExpress log. Prints wall time and peak RSS of each, the ratio, and
# whether their totals agree.
#
#   bench/run.sh                      # 1,000,000 cases (~4.8M events, ~0.6 GB): bench/data/1m.jsonl
#   CASES=10000 bench/run.sh          # a quick run: bench/data/10k.jsonl
#
# Environment: CASES (default 1000000), SEED (1), MALFORMED (malformed lines per mille, 1),
# RUNS (timed runs of each program, best wall and CPU time kept, 3).
# The log is generated once per parameter set: bench/data/NAME.jsonl.params records them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

CASES=${CASES:-1000000}
SEED=${SEED:-1}
MALFORMED=${MALFORMED:-1}
RUNS=${RUNS:-3}
POLICY=policies/aliexpress.policy

label() {
  local n=$1
  if ((n >= 1000000 && n % 1000000 == 0)); then echo "$((n / 1000000))m"
  elif ((n >= 1000 && n % 1000 == 0)); then echo "$((n / 1000))k"
  else echo "$n"; fi
}
NAME=$(label "$CASES")
if [[ $SEED != 1 || $MALFORMED != 1 ]]; then NAME="$NAME-s$SEED-m$MALFORMED"; fi
LOG=bench/data/$NAME.jsonl

TIME=/usr/bin/time
if [[ ! -x $TIME ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing GNU time (apt-get install -y time)..." >&2
    apt-get install -y time >/dev/null
  else
    echo "error: $TIME is missing; install GNU time (apt-get install -y time)" >&2
    exit 2
  fi
fi

echo "== building (release)"
cargo build --release -q --bin docket
cargo build --release -q -p docket-bench --bins
DOCKET=target/release/docket
BASELINE=target/release/baseline

mkdir -p bench/data
# The generator's own sources are part of the parameters: a changed generator means a new log.
GEN_HASH=$(cat bench/src/generator.rs bench/src/rng.rs | sha256sum | cut -c1-16)
PARAMS="cases=$CASES seed=$SEED malformed_per_mille=$MALFORMED generator=$GEN_HASH"
if [[ -f $LOG && -f $LOG.params && $(cat "$LOG.params") == "$PARAMS" ]]; then
  echo "== reusing $LOG ($PARAMS)"
else
  echo "== generating $LOG ($PARAMS)"
  rm -f "$LOG.params"
  target/release/gen --cases "$CASES" --seed "$SEED" --malformed-per-mille "$MALFORMED" >"$LOG.tmp" 2>"$LOG.gen"
  sed 's/^/   /' "$LOG.gen"
  mv "$LOG.tmp" "$LOG"
  echo "$PARAMS" >"$LOG.params"
fi
BYTES=$(stat -c %s "$LOG")
LINES=$(wc -l <"$LOG")

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# measure NAME CMD...: RUNS timed runs; keeps the best wall time, the best CPU time (user + sys,
# less sensitive to other work on the machine), the largest peak RSS and the output of the last
# run. Exit status 1 (some event rejected or line malformed) is expected.
measure() {
  local name=$1
  shift
  local best="" cpu="" rss=0 i
  for ((i = 1; i <= RUNS; i++)); do
    local status=0
    "$TIME" -f "%e %M %U %S" -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || status=$?
    if ((status > 1)); then
      echo "error: $name exited with $status" >&2
      cat "$OUT/$name.err" >&2
      exit 2
    fi
    local secs kb user sys c
    read -r secs kb user sys < <(tail -n 1 "$OUT/$name.time")
    c=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    echo "   $name run $i: ${secs} s wall, ${c} s CPU, peak RSS $((kb / 1024)) MB"
    if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
    if [[ -z $cpu ]] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then cpu=$c; fi
    ((kb > rss)) && rss=$kb
  done
  echo "$best $rss $cpu" >"$OUT/$name.best"
}

echo "== timing ($RUNS runs each, best kept; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
measure docket "$DOCKET" eval "$POLICY" "$LOG" --summary
measure baseline "$BASELINE" "$LOG"

read -r D_SECS D_KB D_CPU <"$OUT/docket.best"
read -r B_SECS B_KB B_CPU <"$OUT/baseline.best"
EVENTS=$(sed -n 's/^events: \([0-9]*\).*/\1/p' "$OUT/docket.out")

section() { awk -v s="$1:" '$0 == s { f = 1; next } /^[a-z]/ { f = 0 } f' "$2"; }

echo
echo "== results: $LOG"
printf '   log:      %s bytes (%.2f GB), %s lines, %s events, %s cases\n' \
  "$BYTES" "$(awk -v b="$BYTES" 'BEGIN { print b / 1e9 }')" "$LINES" "$EVENTS" "$CASES"
printf '   machine:  %s cores, %s\n' "$(nproc)" "$(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
printf '   docket:   %6.2f s wall  %6.2f s CPU   peak RSS %5d MB   (%s eval %s %s --summary)\n' \
  "$D_SECS" "$D_CPU" $((D_KB / 1024)) "$DOCKET" "$POLICY" "$LOG"
printf '   baseline: %6.2f s wall  %6.2f s CPU   peak RSS %5d MB   (%s %s)\n' \
  "$B_SECS" "$B_CPU" $((B_KB / 1024)) "$BASELINE" "$LOG"
ratio() { awk -v d="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? d / b : 0) }'; }
printf '   ratio:    docket / baseline = %sx wall time, %sx CPU time, %sx peak RSS\n' \
  "$(ratio "$D_SECS" "$B_SECS")" "$(ratio "$D_CPU" "$B_CPU")" "$(ratio "$D_KB" "$B_KB")"
printf '   load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '   throughput: docket %.0f events/s, baseline %.0f events/s\n' \
  "$(awk -v e="$EVENTS" -v s="$D_SECS" 'BEGIN { print (s > 0 ? e / s : 0) }')" \
  "$(awk -v e="$EVENTS" -v s="$B_SECS" 'BEGIN { print (s > 0 ? e / s : 0) }')"

echo
echo "== by status (docket | baseline)"
paste -d'|' <(section "by status" "$OUT/docket.out") <(section "by status" "$OUT/baseline.out")
status=0
if diff <(section "by status" "$OUT/docket.out") <(section "by status" "$OUT/baseline.out") >/dev/null; then
  echo "   by-status counts agree"
else
  echo "   MISMATCH: the by-status counts differ"
  status=1
fi
if diff "$OUT/docket.out" "$OUT/baseline.out" >"$OUT/all.diff"; then
  echo "   all totals agree (events, applied, rejected, malformed, duplicates, outcomes, pending deadlines)"
else
  echo "   totals differ (< docket, > baseline):"
  sed 's/^/     /' "$OUT/all.diff"
  status=1
fi
exit $status
