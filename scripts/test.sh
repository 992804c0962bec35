#!/usr/bin/env bash
# Runs every test of the workspace. Set-up first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# insta: never write snapshots here; a mismatch fails.
export INSTA_UPDATE=no
cargo test --workspace --locked
