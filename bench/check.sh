#!/usr/bin/env bash
# `docket check` on policy files of about 1 MiB (the largest a policy may be), one per shape:
# many statuses with rules, timers and comments as policies are written (`wide`), a long chain of
# commented statuses, thousands of timers armed by one status, and thousands of rules for one
# action whose every pair the overlap check compares (which reports each overlap). Prints the
# size, the best wall time of RUNS (default 3) and the peak memory of each. Issue 12 asks for
# under one second each in release mode.
#
#   bench/check.sh
#
# The generated policies live in a temporary directory, removed at the end.
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
RUNS=${RUNS:-3}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/docket-check.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
# shellcheck source=bench/policies.sh
. bench/policies.sh

cargo build --release --quiet --locked -p docket-cli
DOCKET=$PWD/target/release/docket

# Sizes chosen to give files just under 1 MiB (the limit: a larger file is refused).
wide_policy 2600 >"$DIR/wide.policy"
chain_policy 9000 step_ >"$DIR/chain.policy"
timers_policy 16000 >"$DIR/timers.policy"
overlap_policy 2600 >"$DIR/overlap.policy"

printf '%-10s %10s %10s %10s  %s\n' shape bytes "best s" "peak MB" "result"
for shape in wide chain timers overlap; do
  f="$DIR/$shape.policy"
  best=""
  for ((r = 0; r < RUNS; r++)); do
    code=0
    "$TIME" -f '%e %M' -o "$DIR/time" "$DOCKET" check "$f" >"$DIR/out" 2>&1 || code=$?
    if ((code > 1)); then
      echo "error: check of the $shape policy exited $code:" >&2
      tail -5 "$DIR/out" >&2
      exit 2
    fi
    read -r secs kb < <(tail -1 "$DIR/time")
    if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
  done
  result=$(grep -E 'error\(s\)' "$DIR/out" | tail -1 || true)
  printf '%-10s %10s %10s %10s  %s\n' "$shape" "$(wc -c <"$f")" "$best" "$((kb / 1024))" "$result"
done
