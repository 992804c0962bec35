#!/usr/bin/env bash
# The main job, on a fresh machine: set up, build stackr, then run it on
# the example stacks. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --quiet --locked --bin stackr
bin="${CARGO_TARGET_DIR:-target}/debug/stackr"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$bin" validate examples/language-tour.yaml
step "$bin" graph examples/language-tour.yaml --format mermaid
step "$bin" schema --list
echo
echo "A stack with mistakes is reported all at once, each error located:"
printf '\n\033[1m$ %s\033[0m\n' "$bin validate examples/broken.yaml"
"$bin" validate examples/broken.yaml || echo "(exit $?)"
