# The local AWS for the demo and the benchmarks; source it, don't run it.
#
#   source scripts/local-aws.sh
#   local_aws_start DIR [ARGS...] # moto (testbed/stackr_moto) on a free 127.0.0.1 port;
#                                # exports AWS_ENDPOINT_URL and dummy credentials;
#                                # stopped when the shell exits. ARGS go to
#                                # stackr_moto: `--realistic --time-scale N` runs
#                                # at AWS's pace divided by N (and exports
#                                # STACKR_TIME_SCALE=N, so stackr keeps AWS's time)
#   local_aws_account BUCKET ZONE REGION
#                                # what a real account already has: the state
#                                # bucket and the public hosted zone
#
# Needs the venv of scripts/setup.sh ($STACKR_VENV). Traffic never leaves
# 127.0.0.1: AWS_ENDPOINT_URL covers every service, profiles are unset.

# Where stackr is, found once when this file is sourced (callers cd away).
LOCAL_AWS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The set-up every bench script starts with: the venv (scripts/setup.sh)
# and the stackr binary, built as BUILD says (debug unless BUILD=release);
# sets STACKR_BIN to its path.
#   local_aws_stackr
local_aws_stackr() {
  export STACKR_VENV="${STACKR_VENV:-${HOME:-/root}/.cache/stackr/venv}"
  "$LOCAL_AWS_ROOT/scripts/setup.sh" >/dev/null
  local profile="${BUILD:-debug}" flag=""
  [ "$profile" = release ] && flag=--release
  (cd "$LOCAL_AWS_ROOT" && cargo build --quiet --locked $flag --bin stackr)
  STACKR_BIN="$(cd "${CARGO_TARGET_DIR:-$LOCAL_AWS_ROOT/target}" && pwd)/$profile/stackr"
}

local_aws_python() { "${STACKR_VENV:?run scripts/setup.sh}/bin/python" "$@"; }

# Stops the local AWS (and the fault proxy) and waits until they are gone,
# so that nothing is left running when the calling script exits.
#   local_aws_stop
local_aws_stop() {
  local pid
  for pid in ${LOCAL_AWS_PROXY_PID:-} ${LOCAL_AWS_PID:-}; do
    # `wait` gives the killed process's status: not a failure of the
    # caller (under `set -e`).
    if kill "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
  done
  return 0
}

local_aws_start() {
  local dir=$1 root="$LOCAL_AWS_ROOT"
  shift
  local port
  port="$(local_aws_python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # Python itself in the background (not through the local_aws_python
  # function, whose subshell would be what LOCAL_AWS_PID names: killing it
  # would leave the server running).
  PYTHONPATH="$root/testbed" "${STACKR_VENV:?run scripts/setup.sh}/bin/python" -m stackr_moto "$@" \
    -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  LOCAL_AWS_PID=$!
  trap local_aws_stop EXIT
  local i
  for i in $(seq 1 150); do
    local_aws_python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" \
      2>/dev/null && break
    if ! kill -0 "$LOCAL_AWS_PID" 2>/dev/null; then
      echo "the local AWS did not start:" >&2
      tail -20 "$dir/moto.log" >&2
      return 1
    fi
    sleep 0.2
  done
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  # Realistic mode: stackr is told the local AWS's pace.
  local a next="" realistic="" scale=60
  for a in "$@"; do
    [ -n "$next" ] && { scale=$a; next=""; continue; }
    case "$a" in --realistic) realistic=1 ;; --time-scale) next=1 ;; --time-scale=*) scale=${a#--time-scale=} ;; esac
  done
  if [ -n "$realistic" ]; then export STACKR_TIME_SCALE="$scale"; else unset STACKR_TIME_SCALE; fi
  export AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN STACKR_FAKE_CLOUD
}

local_aws_account() {
  local_aws_python - "$1" "$2" "$3" <<'PY'
import sys, time, boto3
bucket, zone, region = sys.argv[1:]
s3 = boto3.client("s3", region_name=region)
if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
    # us-east-1 takes no location constraint (CreateBucket refuses it there).
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **config)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
r53 = boto3.client("route53", region_name="us-east-1")
names = [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]]
if zone not in names:
    r53.create_hosted_zone(Name=zone, CallerReference=f"stackr-demo-{time.time()}")
# The local AWS sets a service up on its first call in a region (moto
# builds the backend: EC2's catalogue of images and instance types, ...),
# which takes up to seconds; in realistic mode every wall second is
# time-scale seconds of AWS time, so a first call would be charged a minute
# or more that AWS never takes. One cheap read per service and region first.
warm = {
    "ec2": ("describe_vpcs", {}), "acm": ("list_certificates", {}), "iam": ("list_roles", {}),
    "rds": ("describe_db_clusters", {}), "elbv2": ("describe_load_balancers", {}),
    "efs": ("describe_file_systems", {}), "elasticache": ("describe_cache_clusters", {}),
    "ecs": ("list_clusters", {}), "logs": ("describe_log_groups", {}), "ssm": ("describe_parameters", {}),
    "secretsmanager": ("list_secrets", {}), "wafv2": ("list_ip_sets", {"Scope": "REGIONAL"}),
    "cloudfront": ("list_distributions", {}), "cloudwatch": ("describe_alarms", {}),
    "application-autoscaling": ("describe_scalable_targets", {"ServiceNamespace": "ecs"}),
    "sts": ("get_caller_identity", {}), "resourcegroupstaggingapi": ("get_resources", {}),
}
for r in sorted({region, "us-east-1"}):
    for service, (call, args) in warm.items():
        getattr(boto3.client(service, region_name=r), call)(**args)
print(f"account: state bucket s3://{bucket}, hosted zone {zone}")
PY
}

# Puts the fault-injecting proxy (testbed/stackr_faults) in front of the
# local AWS: AWS_ENDPOINT_URL then points at the proxy, LOCAL_AWS_DIRECT at
# moto itself (for set-up and for counting what exists). Extra arguments go
# to the proxy (--latency-ms, --fault-rate, --kinds, --seed, --log, ...).
#   local_aws_proxy DIR [ARGS...]
local_aws_proxy() {
  local dir=$1 root="$LOCAL_AWS_ROOT"; shift
  export LOCAL_AWS_DIRECT="${LOCAL_AWS_DIRECT:-$AWS_ENDPOINT_URL}"
  rm -f "$dir/proxy.out"
  PYTHONPATH="$root/testbed" "${STACKR_VENV:?run scripts/setup.sh}/bin/python" -m stackr_faults \
    --upstream "$LOCAL_AWS_DIRECT" "$@" >"$dir/proxy.out" 2>"$dir/proxy.log" &
  LOCAL_AWS_PROXY_PID=$!
  trap local_aws_stop EXIT
  local i url=""
  for i in $(seq 1 100); do
    url="$(sed -n 's/^stackr-faults listening on //p' "$dir/proxy.out" 2>/dev/null)"
    [ -n "$url" ] && break
    if ! kill -0 "$LOCAL_AWS_PROXY_PID" 2>/dev/null; then
      echo "the fault proxy did not start:" >&2; tail -20 "$dir/proxy.log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the fault proxy did not say where it listens" >&2; return 1; }
  export AWS_ENDPOINT_URL="$url"
}

# The proxy's counters (JSON), or sets its configuration from a JSON object.
#   local_aws_proxy_stats
#   local_aws_proxy_config '{"fault_rate": 0.1}'
local_aws_proxy_stats() {
  local_aws_python -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('$AWS_ENDPOINT_URL/__stackr_faults__/stats').read().decode())"
}
local_aws_proxy_config() {
  local_aws_python -c "import urllib.request,sys; r=urllib.request.Request('$AWS_ENDPOINT_URL/__stackr_faults__/config', data=sys.argv[1].encode(), method='POST', headers={'Content-Type': 'application/json'}); sys.stdout.write(urllib.request.urlopen(r).read().decode())" "$1" >/dev/null
}
