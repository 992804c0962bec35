#!/usr/bin/env bash
# Timings of the WordPress prod stack on the local AWS (moto on 127.0.0.1):
# apply from nothing, diff (warm, in sync), apply of the unchanged stack,
# and destroy; with the AWS calls each made (stackr --stats).
#   bench/wordpress.sh [runs]     (default 1)
# Prints one table. Uses a release build (cargo build --release) when
# BUILD=release, else the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1}"
profile="${BUILD:-debug}"
root="$PWD"
work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_stackr
bin="$STACKR_BIN"
local_aws_start "$work"
trap 'local_aws_stop; rm -rf "$work"' EXIT
local_aws_account training-example-stackr-state-prod training.example.io. ap-northeast-1 >/dev/null
cp -r "$root/stacks" "$work/"
cd "$work"
f=stacks/prod.yaml
# A benchmark measures speed: AWS-side deletion protection off, so that
# destroy runs in one go (the end-to-end test covers protection).
export STACKR_VAR_deletion_protection=false
resources="$("$bin" validate "$f" | sed -n 's/.* (\([0-9]*\) instances).*/\1/p')"

# One timed step: wall seconds, AWS calls and writes (from --stats).
measure() {
  local name=$1; shift
  local t0 t1 stats code
  t0=$(date +%s.%N)
  set +e; "$bin" "$@" --stats >"$work/out" 2>"$work/err"; code=$?; set -e
  t1=$(date +%s.%N)
  if [ "$code" != 0 ]; then
    echo "$name failed (exit $code):" >&2; grep -v "^  " "$work/err" | tail -30 >&2; exit 1
  fi
  stats=$(grep '^AWS calls:' "$work/err" | head -1)
  local calls writes
  calls=$(sed -n 's/^AWS calls: \([0-9]*\).*/\1/p' <<<"$stats"); calls=${calls:-0}
  writes=$(sed -n 's/^AWS calls: [0-9]* (\([0-9]*\) writes.*/\1/p' <<<"$stats"); writes=${writes:-0}
  printf '%-22s %8.2f %8s %8s %10.2f\n' "$name" "$(echo "$t1 - $t0" | bc)" "$calls" "$writes" \
    "$(echo "scale=2; $calls / $resources" | bc)"
}

echo "WordPress prod on the local AWS: $resources resources, $profile build, $(nproc) cores"
printf '%-22s %8s %8s %8s %10s\n' step seconds calls writes calls/res
for run in $(seq 1 "$runs"); do
  # Each run's final snapshot has its own name (AWS refuses a taken one).
  export STACKR_VAR_final_snapshot_identifier="bench-final-$run"
  measure "apply (create)" apply "$f" --yes
  measure "diff (in sync)" diff "$f"
  measure "apply (unchanged)" apply "$f" --yes
  measure "destroy" destroy "$f" --yes --allow-protected db efs
done
