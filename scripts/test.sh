#!/usr/bin/env bash
# Runs every test of the workspace. Set-up first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
# The venv holding moto (the local AWS); setup.sh fills it, stackr-testkit reads it.
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
scripts/setup.sh
# The test bed's own tests: realistic mode's state machines and refusals
# (Python's unittest, on moto in the venv).
echo "== test bed"
PYTHONPATH=testbed "$STACKR_VENV/bin/python" -m unittest discover -s testbed/tests -t testbed
# insta: never write snapshots here; a mismatch fails.
export INSTA_UPDATE=no
cargo test --workspace --locked
