#!/usr/bin/env bash
# The main job, on a fresh machine: set up, build stackr, then take a stack
# through its whole life: validate, graph, apply, diff (in sync), a change
# shown by diff and applied, outputs, destroy (protected resources refused
# until allowed). Local state; resources go to the simulated cloud
# (STACKR_FAKE_CLOUD) until the AWS reconcilers are part of the build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
cargo build --quiet --locked --bin stackr
bin="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/stackr"
[ -x "$bin" ] || bin="${CARGO_TARGET_DIR}/debug/stackr"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/"
cd "$work"
export STACKR_FAKE_CLOUD="$work/cloud.json"
export AWS_EC2_METADATA_DISABLED=true

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
expect() { local want=$1; shift; printf '\n\033[1m$ %s\033[0m\n' "$*"; set +e; "$@"; local got=$?; set -e;
  [ "$got" = "$want" ] || { echo "expected exit $want, got $got" >&2; exit 1; }; echo "(exit $got)"; }

f=examples/quickstart.yaml
step "$bin" validate "$f"
step "$bin" graph "$f" --format mermaid
step "$bin" apply "$f" --yes
expect 0 "$bin" diff "$f"
expect 2 "$bin" diff "$f" --var retention=30
step "$bin" apply "$f" --yes --var retention=30
step "$bin" output "$f"
step "$bin" state list "$f"
expect 1 "$bin" destroy "$f" --yes
step "$bin" destroy "$f" --yes --allow-protected vpc
echo
echo "A stack with mistakes is reported all at once, each error located:"
expect 1 "$bin" validate examples/broken.yaml
