#!/usr/bin/env bash
# The main job, on a fresh machine: set up (Rust crates, moto in a venv),
# build stackr, start the local AWS (moto on 127.0.0.1), then take a stack
# through its life with local state: validate, graph, apply, diff (in
# sync), a change shown by diff (exit 2) and applied, outputs, destroy
# (the protected VPC refused until allowed), and a broken stack's errors.
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
scripts/setup.sh >/dev/null
cargo build --quiet --locked --bin stackr
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stackr"

work="$(mktemp -d)"
moto_pid=""
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The local AWS: moto's server on a free loopback port.
port="$("$STACKR_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PYTHONPATH="$PWD/testbed" "$STACKR_VENV/bin/python" -m stackr_moto -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  "$STACKR_VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
  sleep 0.2
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE STACKR_FAKE_CLOUD
echo "local AWS (moto) on $AWS_ENDPOINT_URL"

cp -r examples "$work/"
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
expect() { local want=$1; shift; printf '\n\033[1m$ %s\033[0m\n' "$*"; set +e; "$@"; local got=$?; set -e
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
