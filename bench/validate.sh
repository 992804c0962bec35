#!/usr/bin/env bash
# Builds stackr in release mode and runs the validate/graph scale benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin stackr
python3 bench/validate.py "${CARGO_TARGET_DIR:-target}/release/stackr"
