#!/usr/bin/env bash
# Benchmarks, each against a baseline measured in the same run, printed as ratios:
#  1. warm `dlenv up` (image built, container stopped) until Jupyter answers, against
#     `docker start` of the same container + polling Jupyter's /api/status;
#  2. `dlenv ls --json` with 50 environments, against `docker ps -a --filter label=...`.
# Targets: up within 1.2x of the plain engine; ls faster than docker ps.
# usage: bench/run.sh [ROUNDS]   (needs a built ./build/dlenv and a running engine)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
dlenv=$PWD/build/dlenv
work=$(mktemp -d -t dlenv-bench.XXXXXX)
export DLENV_HOME=$work/state DLENV_CACHE_HOME=$work/cache DLENV_PORT_RANGE=32000-32999
cleanup() {
  docker ps -aq --filter "label=dlenv.project=$work/up" --filter label=dlenv.managed=1 | xargs -r docker rm -f >/dev/null
  docker ps -aq --filter "label=dlenv.project=$work/ls" --filter label=dlenv.managed=1 | xargs -r docker rm -f >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$dlenv" -q base bootstrap debian:bookworm >/dev/null

# --- 1. warm up
mkdir -p "$work/up"
printf '[envs.bench]\nbase = "dlenv/debian:bookworm"\n' > "$work/up/dlenv.toml"
json=$("$dlenv" -q up --json --project "$work/up")
container=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["container"])' "$json")
url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["jupyter"]["url"])' "$json")
token=${url#*token=}
base_url=${url%%\?*}              # the printed URL opens the UI: BASE/tree or BASE/lab
base_url=${base_url%tree}
base_url=${base_url%lab}
status_url="${base_url}api/status"

up_times=() plain_times=()
for _ in $(seq "$rounds"); do
  "$dlenv" -q down bench --project "$work/up" >/dev/null
  t0=$(now_ms); "$dlenv" -q up --project "$work/up" >/dev/null; t1=$(now_ms)
  up_times+=($((t1 - t0)))
  docker stop -t 10 "$container" >/dev/null
  t0=$(now_ms)
  docker start "$container" >/dev/null
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: token $token" "$status_url")" = 200 ]; do sleep 0.1; done
  t1=$(now_ms)
  plain_times+=($((t1 - t0)))
done
up_med=$(printf '%s\n' "${up_times[@]}" | median)
plain_med=$(printf '%s\n' "${plain_times[@]}" | median)

# --- 2. ls with 50 environments
mkdir -p "$work/ls"
for i in $(seq 1 50); do printf '[envs.e%02d]\nbase = "dlenv/debian:bookworm"\njupyter = false\n' "$i"; done > "$work/ls/dlenv.toml"
"$dlenv" -q up --project "$work/ls" >/dev/null
count=$("$dlenv" ls --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
ls_times=() ps_times=()
for _ in $(seq $((rounds * 2))); do
  t0=$(now_ms); "$dlenv" ls --json >/dev/null; t1=$(now_ms); ls_times+=($((t1 - t0)))
  t0=$(now_ms); docker ps -a --filter label=dlenv.managed=1 --filter "label=dlenv.owner=$(id -u)" >/dev/null; t1=$(now_ms); ps_times+=($((t1 - t0)))
done
ls_med=$(printf '%s\n' "${ls_times[@]}" | median)
ps_med=$(printf '%s\n' "${ps_times[@]}" | median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "dlenv bench ($rounds rounds, medians)"
printf '  warm up until Jupyter answers: dlenv up %s ms, docker start + poll %s ms, ratio %sx (target <= 1.20)\n' \
  "$up_med" "$plain_med" "$(ratio "$up_med" "$plain_med")"
printf '  list %s environments:          dlenv ls %s ms, docker ps %s ms, ratio %sx (target < 1.00)\n' \
  "$count" "$ls_med" "$ps_med" "$(ratio "$ls_med" "$ps_med")"
