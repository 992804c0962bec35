#!/usr/bin/env bash
# Installs what stackr's tests and demo need on a fresh machine.
# Idempotent: quick when everything is already there.
#
# - Rust crates: fetched once, so the build and test steps need no network.
# - The local AWS: moto's server (pinned below) in a Python venv at
#   ${STACKR_VENV:-$HOME/.cache/stackr/venv}. stackr-testkit looks for
#   $STACKR_VENV/bin/python (same default), then falls back to python3.
#   Source this script (or export STACKR_VENV yourself) to use another venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MOTO_VERSION=5.2.5
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi
# Fetch crates once, so the build and test steps need no network.
cargo fetch --locked >/dev/null 2>&1 || cargo fetch

# moto[server]==$MOTO_VERSION in the venv; pip runs only when it is missing.
moto_ready() {
  "$STACKR_VENV/bin/python" - "$MOTO_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as md, importlib.util as iu
ok = md.version("moto") == sys.argv[1] and all(iu.find_spec(m) for m in ("flask", "flask_cors", "werkzeug"))
sys.exit(0 if ok else 1)
PY
}
if [ ! -x "$STACKR_VENV/bin/python" ]; then
  command -v python3 >/dev/null 2>&1 || { echo "python3 is required for the local AWS (moto)" >&2; exit 1; }
  echo "setup: creating the Python venv $STACKR_VENV"
  mkdir -p "$(dirname "$STACKR_VENV")"
  python3 -m venv "$STACKR_VENV"
fi
if ! moto_ready; then
  echo "setup: installing moto[server]==$MOTO_VERSION into $STACKR_VENV"
  "$STACKR_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  moto_ready || { echo "setup: moto $MOTO_VERSION did not install into $STACKR_VENV" >&2; exit 1; }
fi
