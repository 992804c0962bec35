#!/usr/bin/env bash
# The main job, on a fresh machine: set up (Rust crates, moto in a venv),
# build stackr, start the local AWS (moto on 127.0.0.1) with what a real
# account already has (the S3 state bucket and the hosted zone
# training.example.io.), then take the WordPress dev stack through its
# life: validate, apply, diff (in sync: exit 0), outputs, destroy.
#
#   scripts/demo.sh [--realistic [N]]
#
# --realistic runs the local AWS at AWS's own pace divided by N (default
# 60: an Aurora create of 10 minutes takes 10 s), with AWS's refusals while
# resources are not ready; apply and destroy then print their wall time in
# AWS minutes beside their critical-path bound.
set -euo pipefail
moto_args=()
if [ "${1:-}" = --realistic ]; then
  moto_args=(--realistic --time-scale "${2:-60}")
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/demo.sh [--realistic [TIME_SCALE]]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
scripts/setup.sh >/dev/null
cargo build --quiet --locked --bin stackr
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stackr"
root="$PWD"

work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_start "$work" "${moto_args[@]}"
trap 'local_aws_stop; rm -rf "$work"' EXIT
echo "local AWS (moto) on $AWS_ENDPOINT_URL${STACKR_TIME_SCALE:+, realistic: ${STACKR_TIME_SCALE} times the pace of AWS}"
local_aws_account training-example-stackr-state-dev training.example.io. ap-northeast-1

cp -r "$root/stacks" "$work/"
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
expect() { local want=$1; shift; printf '\n\033[1m$ %s\033[0m\n' "$*"; set +e; "$@"; local got=$?; set -e
  [ "$got" = "$want" ] || { echo "expected exit $want, got $got" >&2; exit 1; }; echo "(exit $got)"; }

f=stacks/dev.yaml
start=$SECONDS
step "$bin" validate "$f"
stats=()
[ -n "${STACKR_TIME_SCALE:-}" ] && stats=(--stats)
step "$bin" apply "$f" --yes "${stats[@]}"
expect 0 "$bin" diff "$f"
step "$bin" output "$f"
step "$bin" destroy "$f" --yes "${stats[@]}"
# Nothing of the stack is left, as the local AWS itself says.
left=$(local_aws_python "$root/bench/inventory.py" "$AWS_ENDPOINT_URL" wordpress-dev ap-northeast-1 us-east-1 |
  local_aws_python -c 'import json, sys; print(json.load(sys.stdin)["live"])')
[ "$left" = 0 ] || { echo "destroy left $left resources of wordpress-dev behind" >&2; exit 1; }
echo "(nothing of wordpress-dev is left in the local AWS)"
echo
took=$((SECONDS - start))
if [ -n "${STACKR_TIME_SCALE:-}" ]; then
  aws_min=$(awk -v s="$took" -v n="$STACKR_TIME_SCALE" 'BEGIN { printf "%.0f", s * n / 60 }')
  echo "WordPress dev: applied, in sync, destroyed in $took s on the realistic local AWS (${STACKR_TIME_SCALE}x): about $aws_min AWS minutes."
else
  echo "WordPress dev: applied, in sync, destroyed in $took s on the local AWS."
fi
