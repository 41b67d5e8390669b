#!/usr/bin/env bash
# How Docket's verbs grow with their input: eval, check, diff, explain and fmt on generated inputs
# of 1x, 4x and 16x size, shaped like the worst cases of issue 17 (many timers armed at once, long
# misspelt names, many rules for the overlap check, many renamed statuses, big logs, a big policy
# for fmt). Prints, per step, wall time and peak memory at each size and the growth from 1x to 4x
# and from 4x to 16x: about 4 means linear, about 16 quadratic. A script, not a timed test: on a
# shared machine the times are indicative, the growth factors less so, the memory reliable.
#
#   bench/scale.sh                  # sizes 1x, 4x, 16x
#   SCALES="1 4" bench/scale.sh     # fewer sizes
#
# The generated files live in a temporary directory (`SCALE_DIR`, default: mktemp -d), removed at
# the end unless KEEP=1; nothing is written inside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
TIME=/usr/bin/time
if [[ ! -x $TIME ]]; then
  echo "error: needs GNU time at $TIME (apt-get install time)" >&2
  exit 2
fi
SCALES=${SCALES:-"1 4 16"}
DIR=${SCALE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/docket-scale.XXXXXX")}
mkdir -p "$DIR"
if [[ ${KEEP:-0} != 1 && -z ${SCALE_DIR:-} ]]; then
  trap 'rm -rf "$DIR"' EXIT
fi

cargo build --release --quiet --locked -p docket-cli -p docket-bench
DOCKET=$PWD/target/release/docket
GEN=$PWD/target/release/gen

# The generators of policies and logs shaped like the worst cases (awk): bench/policies.sh.
# shellcheck source=bench/policies.sh
. bench/policies.sh

# --- measurement ------------------------------------------------------------------------------

declare -A SECS MEM
measure() { # KEY SCALE COMMAND...
  local key=$1 scale=$2
  shift 2
  local out="$DIR/time.$key.$scale"
  # Exit codes 0 and 1 (problems found, changes found) are results; 2 would be a broken step.
  local code=0
  "$TIME" -f '%e %M' -o "$out" "$@" >/dev/null 2>"$DIR/stderr.$key.$scale" || code=$?
  if ((code > 1)); then
    echo "error: step $key at ${scale}x exited $code:" >&2
    tail -5 "$DIR/stderr.$key.$scale" >&2
    exit 2
  fi
  local secs kb
  read -r secs kb < <(tail -1 "$out")
  SECS[$key.$scale]=$secs
  MEM[$key.$scale]=$kb
}

STEPS=(eval_log eval_timers check_names check_overlap diff_renamed explain_timers fmt_chain)
declare -A WHAT=(
  [eval_log]="eval --summary, AliExpress log (1x: 10,000 cases, 6 MB)"
  [eval_timers]="eval --now +30d, 1 event, timers armed at once (1x: 250)"
  [check_names]="check, misspelt 400-char status names (1x: 10)"
  [check_overlap]="check, rules of 30 conditions for one action in one status (1x: 40)"
  [diff_renamed]="diff, every status renamed (1x: 550 statuses)"
  [explain_timers]="explain a status arming many timers (1x: 800)"
  [fmt_chain]="fmt, commented policy of many statuses (1x: 550, 16x: 0.95 MB)"
)

for s in $SCALES; do
  d="$DIR/x$s"
  mkdir -p "$d"
  "$GEN" --cases $((10000 * s)) --seed 1 >"$d/log.jsonl" 2>/dev/null
  timers_policy $((250 * s)) >"$d/timers.policy"
  timers_policy $((800 * s)) >"$d/explain.policy"
  one_event >"$d/one.jsonl"
  long_names_policy $((10 * s)) >"$d/names.policy"
  overlap_policy $((40 * s)) >"$d/overlap.policy"
  chain_policy $((550 * s)) step_ >"$d/old.policy"
  chain_policy $((550 * s)) stage_ >"$d/new.policy"
  echo "generated ${s}x: $(du -sh "$d" | cut -f1) in $d" >&2
  measure eval_log "$s" "$DOCKET" eval policies/aliexpress.policy "$d/log.jsonl" --summary
  measure eval_timers "$s" "$DOCKET" eval "$d/timers.policy" "$d/one.jsonl" --now 2026-01-31T00:00:00Z
  measure check_names "$s" "$DOCKET" check "$d/names.policy"
  measure check_overlap "$s" "$DOCKET" check "$d/overlap.policy"
  measure diff_renamed "$s" "$DOCKET" diff "$d/old.policy" "$d/new.policy"
  measure explain_timers "$s" "$DOCKET" explain "$d/explain.policy" open
  measure fmt_chain "$s" "$DOCKET" fmt - <"$d/old.policy"
done

# --- the table --------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0.005) a = 0.005; printf "%.1fx", b / a }'; }
read -r -a S <<<"$SCALES"
printf '%-16s' "step"
for s in "${S[@]}"; do printf ' %17s' "${s}x s / MB"; done
for ((i = 1; i < ${#S[@]}; i++)); do printf ' %14s' "time ${S[i - 1]}->${S[i]}x"; done
for ((i = 1; i < ${#S[@]}; i++)); do printf ' %13s' "mem ${S[i - 1]}->${S[i]}x"; done
echo
for k in "${STEPS[@]}"; do
  printf '%-16s' "$k"
  for s in "${S[@]}"; do
    printf ' %17s' "$(awk -v t="${SECS[$k.$s]}" -v m="${MEM[$k.$s]}" 'BEGIN { printf "%.2f / %.0f", t, m / 1024 }')"
  done
  for ((i = 1; i < ${#S[@]}; i++)); do printf ' %14s' "$(ratio "${SECS[$k.${S[i - 1]}]}" "${SECS[$k.${S[i]}]}")"; done
  for ((i = 1; i < ${#S[@]}; i++)); do printf ' %13s' "$(ratio "${MEM[$k.${S[i - 1]}]}" "${MEM[$k.${S[i]}]}")"; done
  echo
done
echo
for k in "${STEPS[@]}"; do echo "  $k: ${WHAT[$k]}"; done
echo "  (each size is 4x the one before it: a growth near 4x is linear, near 16x quadratic)"
