#!/usr/bin/env bash
# Crash trials: stackr killed with SIGKILL at a random moment, again and
# again, must never leave a duplicate nor lose track of a resource.
#
#   bench/crash-trials.sh [TRIALS] [LATENCY_MS] [SEED]   (default 30, 50, random)
#
# Each trial, on the WordPress prod stack (S3 state) through the test kit's
# proxy adding LATENCY_MS to every AWS call:
#   1. `stackr apply` is SIGKILLed at a random moment of its run;
#   2. `stackr apply` runs again and must succeed (it takes over the dead
#      run's lock and adopts what the killed run created), then `stackr diff`
#      must exit 0, and the local AWS must hold no duplicate;
#   3. `stackr destroy` is SIGKILLed at a random moment;
#   4. `stackr destroy` runs again and must succeed, leaving nothing of the
#      stack in the local AWS (its final snapshot aside, kept by design).
# Duplicates and leftovers are counted from the local AWS directly
# (bench/inventory.py), never through stackr. Prints one line per trial and
# a summary; exits non-zero on any failed expectation.
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-30}"
latency="${2:-50}"
seed="${3:-$RANDOM}"
RANDOM=$seed
root="$PWD"
work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_stackr
bin="$STACKR_BIN"
cleanup() { local_aws_stop; rm -rf "$work"; }
local_aws_start "$work"
local_aws_account training-example-stackr-state-prod training.example.io. ap-northeast-1 >/dev/null
local_aws_proxy "$work" --latency-ms "$latency"
trap cleanup EXIT
cp -r "$root/stacks" "$work/"
cd "$work"
f=stacks/prod.yaml
export STACKR_VAR_deletion_protection=false

inventory() { local_aws_python "$root/bench/inventory.py" "$LOCAL_AWS_DIRECT" wordpress-prod ap-northeast-1 us-east-1; }
field() { local_aws_python -c "import json,sys; d=json.load(sys.stdin); print(len(d['$1']) if isinstance(d['$1'], dict) else d['$1'])"; }
failed=0
fail() { echo "  trial $1: $2" >&2; failed=$((failed + 1)); }

# Runs stackr and SIGKILLs it after MS milliseconds; prints "killed@MSms"
# if it was still running then, else how it ended. (The delay is drawn by
# the caller: $RANDOM inside a command substitution repeats itself.)
killed_run() {
  local ms=$1; shift
  "$bin" "$@" >"$work/killed.out" 2>"$work/killed.err" &
  local pid=$!
  sleep "$(echo "scale=3; $ms / 1000" | bc)"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null || true
    echo "killed@${ms}ms"
  else
    wait "$pid" && echo "finished" || echo "ended($?)"
  fi
}
complete() {
  local name=$1; shift
  local code=0
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
  echo "$code"
}

# Calibrate: how long an undisturbed apply and destroy take here.
t0=$(date +%s); [ "$(complete cal-apply apply "$f" --yes)" = 0 ] || { cat "$work/cal-apply.err" >&2; exit 1; }
t1=$(date +%s); expected=$(inventory | field live)
export STACKR_VAR_final_snapshot_identifier=crash-final-0
[ "$(complete cal-destroy destroy "$f" --yes --allow-protected db efs)" = 0 ] || { cat "$work/cal-destroy.err" >&2; exit 1; }
t2=$(date +%s)
apply_s=$((t1 - t0 + 1)); destroy_s=$((t2 - t1 + 1))
echo "crash trials: $trials, ${latency} ms per call, seed $seed; an apply takes ~${apply_s}s, a destroy ~${destroy_s}s; $expected resources visible when applied"
printf '%-6s %-16s %-8s %-6s %-5s %-16s %-8s %-5s %s\n' trial "apply killed" re-apply diff dups "destroy killed" destroy left notes
adopted_total=0; takeovers=0; kills=0
for t in $(seq 1 "$trials"); do
  export STACKR_VAR_final_snapshot_identifier="crash-final-$t"
  ms=$((200 + RANDOM % (apply_s * 1000)))
  k1=$(killed_run "$ms" apply "$f" --yes)
  a=$(complete apply apply "$f" --yes)
  d=$(complete diff diff "$f")
  inv=$(inventory); dups=$(field duplicates <<<"$inv"); live=$(field live <<<"$inv")
  notes=""
  adopted=$(grep -c "adopted into state" "$work/apply.err" || true)
  grep -q "took over the lock" "$work/apply.err" && { takeovers=$((takeovers + 1)); notes+="lock taken over; "; }
  [ "$adopted" -gt 0 ] && notes+="$adopted adopted; "
  adopted_total=$((adopted_total + adopted))
  [[ $k1 == killed* ]] && kills=$((kills + 1))
  [ "$a" = 0 ] || fail "$t" "re-apply exited $a: $(grep -v '^  ' "$work/apply.err" | tail -3 | tr '\n' ' ')"
  [ "$d" = 0 ] || fail "$t" "diff after re-apply exited $d: $(grep -v '^  ' "$work/diff.out" "$work/diff.err" | tail -5 | tr '\n' ' ')"
  [ "$dups" = 0 ] || fail "$t" "duplicates: $inv"
  [ "$live" = "$expected" ] || fail "$t" "$live resources live after apply, expected $expected"
  ms=$((200 + RANDOM % (destroy_s * 1000)))
  k2=$(killed_run "$ms" destroy "$f" --yes --allow-protected db efs)
  [[ $k2 == killed* ]] && kills=$((kills + 1))
  x=$(complete destroy destroy "$f" --yes --allow-protected db efs)
  grep -q "took over the lock" "$work/destroy.err" && { takeovers=$((takeovers + 1)); notes+="lock taken over (destroy); "; }
  inv=$(inventory); left=$(field live <<<"$inv"); dups2=$(field duplicates <<<"$inv")
  [ "$x" = 0 ] || fail "$t" "re-destroy exited $x: $(grep -v '^  ' "$work/destroy.err" | tail -3 | tr '\n' ' ')"
  [ "$left" = 0 ] || fail "$t" "left after destroy: $inv"
  [ "$dups2" = 0 ] || fail "$t" "duplicates after destroy: $inv"
  printf '%-6s %-16s %-8s %-6s %-5s %-16s %-8s %-5s %s\n' "$t" "$k1" "$a" "$d" "$dups" "$k2" "$x" "$left" "$notes"
done
echo "summary: $trials trials, $kills of $((2 * trials)) runs killed mid-run, $adopted_total interrupted creates adopted, $takeovers stale locks taken over, $failed failed expectations"
exit $((failed > 0))
