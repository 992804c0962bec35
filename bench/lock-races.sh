#!/usr/bin/env bash
# Lock races on the S3 state backend, against the local AWS (moto on
# 127.0.0.1), with a tiny stack (a VPC, subnets, a security group) whose
# state is in S3:
#   (a) 8 `stackr apply --yes` at once: exactly 1 proceeds, 7 are refused,
#       each within 2 s and naming the holder; then `diff` exits 0 (no
#       state write was lost);
#   (b) an apply SIGKILLed mid-run (its creates journaled, the lock held): the next run says it
#       took over the stale lock (same host, process gone) and converges;
#       `diff` exits 0;
#   (c) a lock of "another host" with a live lease (written straight into
#       S3) is refused naming holder and age; `stackr unlock FILE ID` frees it.
# Prints a table of figures; exits non-zero on any failed expectation.
#   bench/lock-races.sh      (after scripts/setup.sh and cargo build;
#                             STACKR_BIN=path overrides target/debug/stackr)
set -euo pipefail
cd "$(dirname "$0")/.."
export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
bin="${STACKR_BIN:-$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stackr}"
[ -x "$bin" ] || { echo "no stackr binary at $bin: run cargo build first" >&2; exit 1; }
work="$(mktemp -d)"
# shellcheck source=scripts/local-aws.sh
source scripts/local-aws.sh
local_aws_start "$work"
trap 'local_aws_stop; rm -rf "$work"' EXIT
bucket=stackr-lock-races
region=ap-northeast-1
local_aws_python - "$bucket" "$region" <<'PY'
import sys, boto3
bucket, region = sys.argv[1:]
boto3.client("s3", region_name=region).create_bucket(
    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
PY

# The tiny stack: NAME, CIDR's second octet.
write_stack() {
  cat >"$work/$1.yaml" <<EOF
stack: $1
region: $region
state:
  backend: s3
  bucket: $bucket
  key: races/$1.json
vars:
  zones: { type: list, default: [ap-northeast-1a, ap-northeast-1c, ap-northeast-1d] }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.$2.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: \${var.zones}
    properties:
      vpc_id: \${vpc.id}
      availability_zone: \${each.value}
      cidr_block: \${cidrsubnet(vpc.cidr_block, 8, each.index)}
  web:
    type: aws.ec2.security_group
    properties:
      name: $1-web
      description: HTTPS in
      vpc_id: \${vpc.id}
      ingress:
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0 }
EOF
}
write_stack races 41
write_stack killed 42
cd "$work"

failed=0
fail() { echo "FAILED: $*" >&2; failed=1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
rows=()
row() { rows+=("$(printf '%-4s %-52s %s' "$1" "$2" "$3")"); }

# (a) 8 concurrent applies.
N=8
runs=()
for i in $(seq 1 $N); do
  (
    s=$(ms)
    set +e
    "$bin" apply races.yaml --yes >"a$i.out" 2>"a$i.err" &
    echo $! >"a$i.pid"
    wait $!
    code=$?
    echo "$code $(( $(ms) - s ))" >"a$i.rc"
  ) &
  runs+=($!)
done
wait "${runs[@]}" # not a bare `wait`: the local AWS is a child of this shell too
proceeded=0; refused=0; worst=0; winner_pid=""; winner_ms=0; lat=()
for i in $(seq 1 $N); do
  read -r code took <"a$i.rc"
  if [ "$code" = 0 ]; then
    proceeded=$((proceeded + 1)); winner_pid=$(cat "a$i.pid"); winner_ms=$took
  elif grep -q "is locked: held by" "a$i.err"; then
    refused=$((refused + 1)); lat+=("$took"); [ "$took" -gt "$worst" ] && worst=$took
  else
    fail "(a) apply $i exited $code without a lock refusal:"; tail -5 "a$i.err" >&2
  fi
done
[ "$proceeded" = 1 ] || fail "(a) $proceeded applies proceeded, expected 1"
[ "$refused" = $((N - 1)) ] || fail "(a) $refused applies refused, expected $((N - 1))"
[ "$worst" -lt 2000 ] || fail "(a) slowest refusal took ${worst} ms (limit 2000)"
named=0
for i in $(seq 1 $N); do
  grep -q "is locked: held by .* (pid $winner_pid, " "a$i.err" 2>/dev/null && named=$((named + 1))
  grep -q "stackr unlock races.yaml " "a$i.err" 2>/dev/null || [ "$(cut -d' ' -f1 "a$i.rc")" = 0 ] ||
    fail "(a) refusal $i does not say how to unlock"
done
[ "$named" = "$refused" ] || fail "(a) only $named of $refused refusals name the holder (pid $winner_pid)"
set +e; "$bin" diff races.yaml >diff-a.out 2>&1; diff_a=$?; set -e
[ "$diff_a" = 0 ] || { fail "(a) diff after the race exited $diff_a"; tail -20 diff-a.out >&2; }
sorted=$(printf '%s\n' "${lat[@]}" | sort -n | tr '\n' ' ')
row a "applies at once / proceeded / refused" "$N / $proceeded / $refused"
row a "refusal latency, ms (all, process start to exit)" "$sorted"
row a "refusals naming the holder (its pid $winner_pid)" "$named / $refused"
row a "the winner's apply, ms" "$winner_ms"
row a "diff exit code after the race" "$diff_a"

# (b) SIGKILL an apply while it holds the lock, then run again.
kill_ms=$(local_aws_python - "$bin" "$bucket" "$region" <<'PY'
import os, signal, subprocess, sys, time, boto3
stackr, bucket, region = sys.argv[1:]
s3 = boto3.client("s3", region_name=region)
p = subprocess.Popen([stackr, "apply", "killed.yaml", "--yes"],
                     stdout=subprocess.DEVNULL, stderr=open("b-killed.err", "w"))
t0 = time.monotonic()
# Kill it once it has journaled its creates (the first state write, made
# holding the lock, right before the operations start): mid-run.
while time.monotonic() - t0 < 20 and p.poll() is None:
    try:
        s3.head_object(Bucket=bucket, Key="races/killed.json")
        break
    except s3.exceptions.ClientError:
        time.sleep(0.005)
if p.poll() is not None:
    sys.exit(f"the apply ended (exit {p.returncode}) before it could be killed")
os.kill(p.pid, signal.SIGKILL)
p.wait()  # reaped: its pid is gone
print(int((time.monotonic() - t0) * 1000))
PY
) || fail "(b) could not kill an apply mid-run"
lock_left=$(local_aws_python - "$bucket" "$region" <<'PY'
import sys, boto3
bucket, region = sys.argv[1:]
try:
    boto3.client("s3", region_name=region).head_object(Bucket=bucket, Key="races/killed.json.lock")
    print("yes")
except Exception:
    print("no")
PY
)
[ "$lock_left" = yes ] || fail "(b) the killed apply left no lock behind (nothing to take over)"
s=$(ms)
set +e; "$bin" apply killed.yaml --yes >b-next.out 2>b-next.err; code_b=$?; set -e
next_ms=$(( $(ms) - s ))
[ "$code_b" = 0 ] || { fail "(b) the next apply exited $code_b"; tail -20 b-next.err >&2; }
took_over=$(grep -m1 "took over the lock of" b-next.err || true)
[ -n "$took_over" ] || fail "(b) the next apply did not report taking over the lock"
case "$took_over" in *"no longer running on this host"*) ;; *) fail "(b) wrong reason: $took_over" ;; esac
set +e; "$bin" diff killed.yaml >diff-b.out 2>&1; diff_b=$?; set -e
[ "$diff_b" = 0 ] || { fail "(b) diff after the takeover exited $diff_b"; tail -20 diff-b.out >&2; }
row b "apply SIGKILLed, ms after start" "${kill_ms:-?}"
row b "next apply (takes over, converges), ms / exit" "$next_ms / $code_b"
row b "diff exit code after the takeover" "$diff_b"
echo "(b) $took_over"

# (c) A live lock of another host: refused with holder and age; unlock frees it.
local_aws_python - "$bucket" "$region" <<'PY'
import json, sys, time, boto3
bucket, region = sys.argv[1:]
now = int(time.time())
lock = {"id": "build9-run-1", "who": "carol@build-9", "host": "build-9", "pid": 777,
        "command": "stackr apply races.yaml", "started_at": now - 192,
        "renewed_at": now - 3, "expires_at": now + 57}
boto3.client("s3", region_name=region).put_object(
    Bucket=bucket, Key="races/races.json.lock", Body=json.dumps(lock).encode())
PY
s=$(ms)
set +e; "$bin" apply races.yaml --yes >c.out 2>c.err; code_c=$?; set -e
refuse_ms=$(( $(ms) - s ))
[ "$code_c" != 0 ] || fail "(c) a live lock of another host was not refused"
grep -q "held by carol@build-9 on build-9 (pid 777, \`stackr apply races.yaml\`) for 3m1[2-9]s" c.err ||
  { fail "(c) the refusal does not name holder, host, pid, command and age:"; cat c.err >&2; }
grep -q "stackr unlock races.yaml build9-run-1" c.err || fail "(c) the refusal does not say how to unlock"
[ "$refuse_ms" -lt 2000 ] || fail "(c) refusal took ${refuse_ms} ms"
set +e; "$bin" unlock races.yaml build9-run-1 >c-unlock.out 2>&1; code_u=$?
"$bin" diff races.yaml >c-diff.out 2>&1; code_d=$?; set -e
[ "$code_u" = 0 ] || { fail "(c) unlock exited $code_u"; cat c-unlock.out >&2; }
[ "$code_d" = 0 ] || { fail "(c) diff after unlock exited $code_d"; tail -20 c-diff.out >&2; }
row c "live foreign lock refused, ms / exit" "$refuse_ms / $code_c"
row c "stackr unlock exit / diff exit afterwards" "$code_u / $code_d"
echo "(c) $(grep -m1 "is locked" c.err)"

echo
printf '%-4s %-52s %s\n' part figure value
printf '%s\n' "${rows[@]}"
if [ "$failed" != 0 ]; then
  echo "lock races: FAILED" >&2
  exit 1
fi
echo "lock races: all expectations met"
