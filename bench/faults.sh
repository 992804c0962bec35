#!/usr/bin/env bash
# The WordPress prod stack applied, checked and destroyed while a share of
# all AWS calls fail: through the test kit's fault proxy (testbed/stackr_faults),
# which answers RATE of the calls with throttling, 5xx, reset connections or
# lost responses (the call took effect, the answer never came), mixed.
#   bench/faults.sh [RATE] [SEED]        (default 0.1, a random seed)
# After each step it counts, straight from the local AWS, what the stack has:
# any address with two live resources of one kind is a duplicate; after the
# destroy nothing may be left. Exits non-zero on any failed expectation.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-0.1}"
seed="${2:-$RANDOM}"
root="$PWD"
work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_stackr
bin="$STACKR_BIN"
local_aws_start "$work"
local_aws_account training-example-stackr-state-prod training.example.io. ap-northeast-1 >/dev/null
local_aws_proxy "$work" --fault-rate "$rate" --seed "$seed" --log "$work/faults.log"
# KEEP=1 keeps the work folder (each step's output, the fault log) to look into.
trap 'local_aws_stop; if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi' EXIT
cp -r "$root/stacks" "$work/"
cd "$work"
f=stacks/prod.yaml
stack=wordpress-prod
export STACKR_VAR_deletion_protection=false STACKR_VAR_final_snapshot_identifier="faults-final-$seed"

faults() { local_aws_proxy_stats | local_aws_python -c 'import json,sys; d=json.load(sys.stdin); f=d["faults"]; print(d["requests"], sum(f.values()), f["throttle"], f["5xx"], f["reset"], f["lost"])'; }
inventory() { local_aws_python "$root/bench/inventory.py" "$LOCAL_AWS_DIRECT" "$stack" ap-northeast-1 us-east-1; }
failed=0
step() {
  local name=$1 want=$2; shift 2
  local t0 t1 code before after
  before=$(faults)
  t0=$(date +%s.%N)
  set +e; "$bin" "$@" >"$work/$name.out" 2>"$work/$name.err"; code=$?; set -e
  cp "$work/$name.out" "$work/out"; cp "$work/$name.err" "$work/err"
  t1=$(date +%s.%N)
  after=$(faults)
  local inv live dups
  inv=$(inventory)
  live=$(local_aws_python -c 'import json,sys; print(json.load(sys.stdin)["live"])' <<<"$inv")
  dups=$(local_aws_python -c 'import json,sys; print(len(json.load(sys.stdin)["duplicates"]))' <<<"$inv")
  read -r r0 f0 _ <<<"$before"; read -r r1 f1 th fx rs lo <<<"$after"
  printf '%-10s %6s %8.1f %8s %7s %30s %6s %5s\n' "$name" "$code" "$(echo "$t1 - $t0" | bc)" "$((r1 - r0))" \
    "$((f1 - f0))" "(total throttle $th, 5xx $fx, reset $rs, lost $lo)" "$live" "$dups"
  if [ "$code" != "$want" ]; then
    echo "  $name exited $code, expected $want:" >&2; grep -v '^  ' "$work/err" | tail -20 >&2; failed=1
  fi
  if [ "$dups" != 0 ]; then echo "  duplicates: $inv" >&2; failed=1; fi
  if [ "$name" = destroy ] && [ "$live" != 0 ]; then echo "  left after destroy: $inv" >&2; failed=1; fi
}

echo "WordPress prod through the fault proxy: $rate of calls faulted (seed $seed), $(nproc) cores"
printf '%-10s %6s %8s %8s %7s %30s %6s %5s\n' step exit seconds calls faults "" live dups
step apply 0 apply "$f" --yes
step diff 0 diff "$f"
step destroy 0 destroy "$f" --yes --allow-protected db efs
wc -l <"$work/faults.log" | xargs printf 'faults logged: %s (one JSON line each)\n'
exit "$failed"
