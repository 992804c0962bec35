#!/usr/bin/env bash
# The main job, on a fresh machine: set up (Rust crates, moto in a venv),
# build stackr, start the local AWS (moto on 127.0.0.1) with what a real
# account already has (the S3 state bucket and the hosted zone
# training.example.io.), then take the WordPress dev stack through its
# life: validate, apply, diff (in sync: exit 0), outputs, destroy.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
scripts/setup.sh >/dev/null
cargo build --quiet --locked --bin stackr
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stackr"
root="$PWD"

work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_start "$work"
trap 'kill "$LOCAL_AWS_PID" 2>/dev/null; rm -rf "$work"' EXIT
echo "local AWS (moto) on $AWS_ENDPOINT_URL"
local_aws_account training-example-stackr-state-dev training.example.io. ap-northeast-1

cp -r "$root/stacks" "$work/"
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
expect() { local want=$1; shift; printf '\n\033[1m$ %s\033[0m\n' "$*"; set +e; "$@"; local got=$?; set -e
  [ "$got" = "$want" ] || { echo "expected exit $want, got $got" >&2; exit 1; }; echo "(exit $got)"; }

f=stacks/dev.yaml
start=$SECONDS
step "$bin" validate "$f"
step "$bin" apply "$f" --yes
expect 0 "$bin" diff "$f"
step "$bin" output "$f"
step "$bin" destroy "$f" --yes
echo
echo "WordPress dev: applied, in sync, destroyed in $((SECONDS - start)) s on the local AWS."
