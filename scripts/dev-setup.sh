#!/usr/bin/env bash
# Makes a Debian 12 machine ready for dlenv: installs the build and test dependencies that
# are missing, and starts dockerd when no container engine answers. Safe to run again.
set -euo pipefail

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

packages=(
  build-essential cmake ninja-build pkg-config git
  libcurl4-openssl-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libsqlite3-dev libarchive-dev libssl-dev libgtest-dev libgmock-dev
  docker.io mmdebstrap busybox-static curl ca-certificates python3 python3-websocket passwd util-linux openssh-client openssh-server
  # tests/e2e/notebook_browser_test.sh: headless Chromium, with a font for its screenshots
  chromium fonts-dejavu-core
  # tests/fuzz (libFuzzer): clang 14 cannot use libstdc++ 12's <expected>; Debian 12 ships clang-19
  clang-19 libclang-rt-19-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "dev-setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Dev Containers reference CLI (an e2e test) comes from npm and needs Node 20 or newer,
# which machines of this project's kind ship; Debian 12's own nodejs is 18.
if ! command -v npm >/dev/null 2>&1; then
  echo "dev-setup: npm is missing; installing Debian's nodejs and npm (the devcontainer CLI test needs Node >= 20)" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
fi

engine_answers() {
  local sock=/var/run/docker.sock
  if [ -n "${DOCKER_HOST:-}" ]; then
    case $DOCKER_HOST in unix://*) sock=${DOCKER_HOST#unix://} ;; *) curl -fsS "${DOCKER_HOST/tcp:/http:}/_ping" >/dev/null 2>&1; return ;; esac
  fi
  "${sudo_cmd[@]}" curl -fsS --unix-socket "$sock" http://engine/_ping >/dev/null 2>&1
}

if ! engine_answers; then
  echo "dev-setup: no container engine answers; starting dockerd"
  "${sudo_cmd[@]}" sh -c 'nohup dockerd >/var/log/dlenv-dockerd.log 2>&1 &'
  for _ in $(seq 1 120); do
    engine_answers && break
    sleep 0.5
  done
  if ! engine_answers; then
    echo "dev-setup: dockerd did not come up; see /var/log/dlenv-dockerd.log" >&2
    exit 1
  fi
fi
echo "dev-setup: ready (engine answers)"
