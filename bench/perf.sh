#!/usr/bin/env bash
# stackr's performance figures, measured side by side in one run on the
# local AWS (moto on 127.0.0.1), printed as one table with the targets:
#
#   1. drift check: `stackr diff` of the WordPress prod stack, warm: AWS calls
#      per resource and wall time;
#   2. apply of prod with 100 ms added to every AWS call (the test kit's fault
#      proxy, no faults): wall time against the run's critical-path bound
#      (printed by `stackr apply --stats`), and the same apply scheduled as
#      Terraform does (every dependant waits for full readiness, parallelism
#      10) as the baseline;
#   2b. at AWS's pace: the local AWS in realistic mode (time scale 60,
#      each state's typical duration, so that runs compare): apply of prod,
#      an unchanged apply, a new image (the task definition replaced and
#      the service rolled) and destroy, in AWS minutes, each beside its
#      critical-path bound and beside the Terraform-like schedule of the
#      same plan; the readiness polls per minute of waiting; and the calls
#      AWS throttled (the realistic mode throttles as AWS does);
#   3. scale: synthetic stacks of 1,000, 2,000 and 4,000 resources of types
#      the local AWS serves quickly (bench/gen_stack.py --light: IAM roles,
#      log groups and SSM parameters with references): plan and apply
#      time, the drift check's calls per resource and time, the state
#      writes' share of the apply, peak memory, and the
#      2k/1k and 4k/2k ratios (2.0 is linear);
#   4. the lost-work window: the longest a completed operation waited to be
#      in the persisted state, over every apply above.
#
#   5. release rows: the drift checks and the apply at 100 ms per call
#      again with a release build (what `cargo install` gives), beside the
#      debug figures; RELEASE_ROW=0 leaves them out (the first release
#      build takes some 18 minutes on 2 cores).
#
#   bench/perf.sh            (BUILD=release for a release build throughout;
#                             SIZES="1000 2000 4000"; RELEASE_ROW=0)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${BUILD:-debug}"
root="$PWD"
sizes="${SIZES:-1000 2000 4000}"
work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_stackr
bin="$STACKR_BIN"
# The release build for the release rows (when the main one is debug).
rel=""
if [ "${RELEASE_ROW:-1}" != 0 ] && [ "$profile" = debug ]; then
  rel="$(BUILD=release local_aws_stackr && echo "$STACKR_BIN")"
fi
cleanup() { local_aws_stop; rm -rf "$work"; }
trap cleanup EXIT
local_aws_start "$work"
trap cleanup EXIT
local_aws_account training-example-stackr-state-prod training.example.io. ap-northeast-1 >/dev/null
cp -r "$root/stacks" "$work/"
cd "$work"
f=stacks/prod.yaml
export STACKR_VAR_deletion_protection=false
resources="$("$bin" validate "$f" | sed -n 's/.* (\([0-9]*\) instances).*/\1/p')"
lags=()

# run NAME WANT_EXIT ARGS...: runs stackr, keeps stderr in $work/NAME.err,
# sets WALL (s) and RSS (MB); fails the script on another exit code.
run() {
  local name=$1 want=$2; shift 2
  local code
  set +e
  /usr/bin/time -f '%e %M' -o "$work/$name.time" "${RUN_BIN:-$bin}" "$@" >"$work/$name.out" 2>"$work/$name.err"
  code=$?
  set -e
  if [ "$code" != "$want" ]; then
    echo "$name: exit $code, expected $want" >&2; grep -v '^  ' "$work/$name.err" | tail -20 >&2; exit 1
  fi
  read -r WALL RSS_KB < <(tail -1 "$work/$name.time")
  RSS=$((RSS_KB / 1024))
  local lag
  lag=$(sed -n 's/.*a change waited at most \([0-9.]*\)s.*/\1/p' "$work/$name.err")
  [ -n "$lag" ] && lags+=("$lag")
  return 0
}
wall_of() { tail -1 "$work/$1.time" | cut -d' ' -f1; }
calls() { sed -n 's/^AWS calls: \([0-9]*\).*/\1/p' "$work/$1.err" | head -1; }
# In realistic mode: the run and its bound in AWS minutes, polls per minute
# of waiting, and attempts beyond calls (retried throttles and errors).
aws_min() { sed -n 's/^In AWS time.*: the run took \([0-9.]*\) AWS min.*/\1/p' "$work/$1.err"; }
aws_bound() { sed -n 's/^In AWS time.*critical-path bound is \([0-9.]*\) AWS min.*/\1/p' "$work/$1.err"; }
polls() { sed -n 's/^Polling: .*, \([0-9.]*\) per minute\./\1/p' "$work/$1.err"; }
retried() { sed -n 's/^AWS calls: \([0-9]*\) .*, \([0-9]*\) attempts$/\2 - \1/p' "$work/$1.err" | bc; }
critical() { sed -n 's/^Critical path: \([0-9.]*\)s.*/\1/p' "$work/$1.err"; }
write_share() { sed -n 's/^State: .*(\([0-9.]*\)% of the run).*/\1/p' "$work/$1.err"; }
ratio() { echo "scale=2; $1 / $2" | bc; }
rows=()
row() { rows+=("$(printf '%-46s %14s %16s' "$1" "$2" "$3")"); }

echo "measuring (the WordPress prod stack: $resources resources; synthetic: $sizes) ..." >&2
# 1. Drift check, warm.
run apply0 0 apply "$f" --yes
run diff1 0 diff "$f" --stats
run diff2 0 diff "$f" --stats
c=$(calls diff2)
row "diff of prod: AWS calls per resource" "$(ratio "$c" "$resources") ($c)" "<= 0.60"
row "diff of prod: wall seconds (warm)" "$WALL" "< 1"
if [ -n "$rel" ]; then
  RUN_BIN=$rel run diff-rel1 0 diff "$f"
  RUN_BIN=$rel run diff-rel2 0 diff "$f" --stats
  row "  release build: wall seconds (warm)" "$WALL" "< 1"
fi
run destroy0 0 destroy "$f" --yes --allow-protected db efs --stats

# 2. 100 ms per call.
local_aws_proxy "$work" --latency-ms 100
export STACKR_VAR_final_snapshot_identifier=perf-final-1
run apply100 0 apply "$f" --yes --stats
w1=$WALL; cp1=$(critical apply100)
row "apply of prod at 100 ms/call: wall s" "$w1" ""
row "  critical-path bound s" "$cp1" ""
row "  wall / bound" "$(ratio "$w1" "$cp1")" "<= 1.20"
run destroy100 0 destroy "$f" --yes --allow-protected db efs --stats
export STACKR_VAR_final_snapshot_identifier=perf-final-2
run applytf 0 apply "$f" --yes --stats --wait-for-ready --parallelism 10
w2=$WALL
row "  baseline (full readiness, parallelism 10) s" "$w2" ""
row "  baseline / stackr" "$(ratio "$w2" "$w1")" "> 1"
run destroytf 0 destroy "$f" --yes --allow-protected db efs
if [ -n "$rel" ]; then
  export STACKR_VAR_final_snapshot_identifier=perf-final-rel
  RUN_BIN=$rel run apply100rel 0 apply "$f" --yes --stats
  row "  release build: wall s, wall / bound" "$WALL, $(ratio "$WALL" "$(critical apply100rel)")" "<= 1.20"
  RUN_BIN=$rel run destroy100rel 0 destroy "$f" --yes --allow-protected db efs
fi
kill "$LOCAL_AWS_PROXY_PID" 2>/dev/null || true
export AWS_ENDPOINT_URL="$LOCAL_AWS_DIRECT"

# 2b. At AWS's pace (realistic mode, typical durations).
local_aws_stop
unset LOCAL_AWS_PROXY_PID LOCAL_AWS_DIRECT
local_aws_start "$work" --realistic --time-scale 60 --typical-durations --seed perf
trap cleanup EXIT
local_aws_account training-example-stackr-state-prod training.example.io. ap-northeast-1 >/dev/null
throttled=0
declare -A noop_min
for sched in stackr terraform; do
  extra=(); [ $sched = terraform ] && extra=(--wait-for-ready --parallelism 10)
  export STACKR_VAR_final_snapshot_identifier=perf-final-$sched STACKR_VAR_image=wordpress:6-php8.3-apache
  run "r-apply-$sched" 0 apply "$f" --yes --stats "${extra[@]}"
  run "r-noop-$sched" 0 apply "$f" --yes --stats "${extra[@]}"
  noop_min[$sched]=$WALL # the whole command (refresh and plan), s = AWS min at scale 60
  export STACKR_VAR_image=wordpress:6-php8.4-apache
  run "r-change-$sched" 0 apply "$f" --yes --stats "${extra[@]}"
  run "r-destroy-$sched" 0 destroy "$f" --yes --allow-protected db efs --stats "${extra[@]}"
  for r in apply noop change destroy; do
    throttled=$((throttled + $(retried "r-$r-$sched")))
  done
done
for r in apply change destroy; do
  w=$(aws_min "r-$r-stackr"); b=$(aws_bound "r-$r-stackr"); t=$(aws_min "r-$r-terraform")
  target=""; [ $r != change ] && target="<= 1.10"
  row "realistic $r of prod: AWS min (bound)" "$w ($b)" ""
  row "  wall / bound" "$(ratio "$w" "$b")" "$target"
  target=""; [ $r = apply ] && target=">= 1.40"
  row "  Terraform-like AWS min, / stackr" "$t, $(ratio "$t" "$w")" "$target"
done
row "realistic unchanged apply: AWS min (calls)" "${noop_min[stackr]} ($(calls r-noop-stackr))" ""
row "realistic polls per minute of waiting" "$(polls r-apply-stackr) / $(polls r-destroy-stackr)" "apply / destroy"
row "realistic attempts retried (throttling, errors)" "$throttled" "0"
local_aws_stop
unset STACKR_TIME_SCALE STACKR_VAR_image
local_aws_start "$work"
trap cleanup EXIT

# 3. Scale.
declare -A plan_s apply_s
for n in $sizes; do
  mkdir -p "$work/scale$n"
  python3 "$root/bench/gen_stack.py" "$n" --light | sed -e "s/^stack: scale-bench/stack: scale-$n/" -e "s/^  stage: bench/  stage: s$n/" >"$work/scale$n/stack.yaml"
  (cd "$work/scale$n" && run "plan$n" 2 diff stack.yaml)
  plan_s[$n]=$(tail -1 "$work/plan$n.time" | cut -d' ' -f1)
  cd "$work/scale$n"
  run "apply$n" 0 apply stack.yaml --yes --stats
  cd "$work"
  apply_s[$n]=$WALL
  row "scale $n: plan s / apply s" "${plan_s[$n]} / $WALL" ""
  row "scale $n: state writes' share of apply %" "$(write_share "apply$n")" "< 5"
  (cd "$work/scale$n" && run "drift$n" 0 diff stack.yaml --stats)
  target=""; [ "$n" = 2000 ] && target="<= 0.10, <= 2"
  row "scale $n: diff calls/resource (calls), s" "$(ratio "$(calls "drift$n")" "$n") ($(calls "drift$n")), $(wall_of "drift$n")" "$target"
  if [ -n "$rel" ]; then
    (cd "$work/scale$n" && RUN_BIN=$rel run "drift-rel$n" 0 diff stack.yaml)
    row "  release build: diff s" "$(wall_of "drift-rel$n")" "$([ "$n" = 2000 ] && echo "<= 2")"
  fi
  row "scale $n: peak memory MB" "$RSS" "< 200"
done
prev=""
for n in $sizes; do
  if [ -n "$prev" ]; then
    row "scale $n/$prev: plan ratio / apply ratio" \
      "$(ratio "${plan_s[$n]}" "${plan_s[$prev]}") / $(ratio "${apply_s[$n]}" "${apply_s[$prev]}")" \
      "~$(ratio "$n" "$prev") (linear)"
  fi
  prev=$n
done

# 3b. The engine alone at scale: the same shapes on the in-memory cloud at
# 50 ms per call (cargo bench), where the emulator's own cost does not grow.
(cd "$root" && cargo bench --quiet -p stackr-engine --bench apply 2>/dev/null) >"$work/engine-bench.txt"
declare -A eng
while read -r n wall bound ratio _ share; do
  eng[$n]=$wall
  row "engine $n (in-memory, 50 ms/call): wall s, x bound" "$wall, $ratio" "<= 1.20"
done < <(sed -n 's/^ *\([0-9]*\) | *\([0-9.]*\) | *\([0-9.]*\) | *\([0-9.]*\) | *\(.*\) | *\([0-9.]*\)%$/\1 \2 \3 \4 x \6/p' "$work/engine-bench.txt")
[ -n "${eng[1000]:-}" ] && [ -n "${eng[2000]:-}" ] && [ -n "${eng[4000]:-}" ] &&
  row "engine 2000/1000 and 4000/2000 wall ratios" "$(ratio "${eng[2000]}" "${eng[1000]}") / $(ratio "${eng[4000]}" "${eng[2000]}")" "~2.00 (linear)"
row "engine peak memory MB (4000)" "$(sed -n 's/^peak memory: \([0-9.]*\) MB/\1/p' "$work/engine-bench.txt")" "< 200"

# 4. Lost-work window over every apply above.
max_lag=$(printf '%s\n' "${lags[@]}" | sort -g | tail -1)
row "lost-work window: longest wait to be saved s" "$max_lag" "<= 1"

echo
echo "stackr $($bin --version | cut -d' ' -f2), $profile build${rel:+ (release rows: release build)}, $(nproc) cores, local AWS on 127.0.0.1"
printf '%-46s %14s %16s\n' figure measured target
for r in "${rows[@]}"; do echo "$r"; done
