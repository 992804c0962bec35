#!/usr/bin/env bash
# Installs what stackr's tests and demo need on a fresh machine.
# Idempotent: quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi
# Fetch crates once, so the build and test steps need no network.
cargo fetch --locked >/dev/null 2>&1 || cargo fetch
