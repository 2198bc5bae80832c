#!/usr/bin/env bash
# `dlenv export devcontainer` against the reference Dev Containers CLI (@devcontainers/cli):
# a real `dlenv up` of a dlenv/debian:bookworm project, the export, then the CLI's
# read-configuration (it must accept the file and echo the image and workspaceFolder) and
# `devcontainer up` + `exec` (the image runs as the user, in the workdir, with Jupyter answering
# from the mounted token file). Also: no token in the file, a foreign file kept unless --force,
# `dlenv code`.
#
# usage: devcontainer_cli_test.sh DLENV_BINARY
# The CLI (@devcontainers/cli@${DLENV_DEVCONTAINER_CLI_VERSION:-0.89.0}; it needs Node >= 20) is
# installed with npm when missing, into ${DLENV_NPM_CACHE:-<repo>/.cache}/devcontainers-cli.
# Without a container engine, or without the CLI and npm, it skips (exit 77) - except under
# CI=true, where that fails. Everything it makes lives in one temp dir and is removed.
set -uo pipefail

dlenv=${1:?usage: devcontainer_cli_test.sh DLENV_BINARY}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cli_dir=${DLENV_NPM_CACHE:-$repo/.cache}/devcontainers-cli
devcontainer=$cli_dir/node_modules/.bin/devcontainer
cli_version=${DLENV_DEVCONTAINER_CLI_VERSION:-0.89.0}  # the version this test was written against (needs Node >= 20)

# shellcheck source=lib.sh
. "$repo/tests/e2e/lib.sh"

[ -x "$dlenv" ] || { echo "FAIL: $dlenv is not an executable"; echo "0 passed, 1 failed"; exit 1; }
command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || skip "no container engine answers (docker info)"

[ -x "$devcontainer" ] || npm_package "$cli_dir" "@devcontainers/cli@$cli_version"
echo "using $("$devcontainer" --version 2>/dev/null | tail -n 1) ($devcontainer)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlenv-e2e-devcontainer-XXXXXX")
chmod 755 "$tmp"
project=$tmp/project
mkdir -p "$project"
export DLENV_HOME=$tmp/state DLENV_CACHE_HOME=$tmp/cache DLENV_PORT_RANGE=35000-35999

cleanup() {
  local ids
  for label in "dlenv.project=$project" "devcontainer.local_folder=$project"; do
    ids=$(docker ps -aq --filter "label=$label")
    [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The offline base, as the integration tests make it.
if ! docker image inspect dlenv/debian:bookworm >/dev/null 2>&1; then
  "$dlenv" -q base bootstrap debian:bookworm || { ko "dlenv base bootstrap debian:bookworm"; finish; }
fi

cat >"$project/dlenv.toml" <<'EOF'
[envs.demo]
base = "dlenv/debian:bookworm"
shm_size = "1g"
EOF

# jupyter_answers WORKSPACE STATUS WITH_TOKEN: within 60 s, Jupyter inside the devcontainer of
# WORKSPACE answers api/kernels with STATUS (with the token from the mounted file when WITH_TOKEN is 1).
jupyter_answers() {
  local status=""
  for _ in $(seq 1 60); do
    status=$("$devcontainer" exec --workspace-folder "$1" python3 -c '
import sys, urllib.error, urllib.request
headers = {}
if sys.argv[1] == "1":
    headers["Authorization"] = "token " + open("/run/dlenv/secrets/jupyter_token").read().strip()
req = urllib.request.Request("http://127.0.0.1:8888/dlenv/demo/api/kernels", headers=headers)
try:
    print(urllib.request.urlopen(req, timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)' "$3" 2>/dev/null)
    [ "$status" = "$2" ] && return 0
    sleep 1
  done
  echo "     Jupyter answered $status, not $2"
  return 1
}

# --- dlenv up, then export ---------------------------------------------------------------
if ! up_json=$("$dlenv" -q up --json --project "$project" demo 2>"$tmp/up.err"); then
  ko "dlenv up: $(tail -n 5 "$tmp/up.err")"
  finish
fi
ok "dlenv up"
image=$(printf '%s\n' "$up_json" | sed -n 's/.*"image":"\([^"]*\)".*/\1/p' | head -n 1)
token=$(printf '%s\n' "$up_json" | sed -n 's/.*token=\([0-9a-f]*\).*/\1/p' | head -n 1)
[ -n "$image" ] && [ -n "$token" ] || { ko "dlenv up --json names the image and the token: $up_json"; finish; }

file=$project/.devcontainer/devcontainer.json
if out=$("$dlenv" export devcontainer demo --project "$project" 2>"$tmp/export.err"); then
  ok "dlenv export devcontainer"
else
  ko "dlenv export devcontainer: $(cat "$tmp/export.err")"
  finish
fi
check "it prints the file's path" test "$out" = "$file"
check "the file exists" test -f "$file"
check "the file names the image" grep -q "\"image\": \"$image\"" "$file"
check "the Jupyter token is not in the file" bash -c '! grep -q "$1" "$2"' _ "$token" "$file"
check "the secrets dir is a read-only mount" grep -q 'target=/run/dlenv/secrets,type=bind,readonly"' "$file"

# --- the reference CLI reads it ----------------------------------------------------------
if config=$("$devcontainer" read-configuration --workspace-folder "$project" 2>"$tmp/read.err"); then
  ok "devcontainer read-configuration exits 0"
else
  ko "devcontainer read-configuration: $(tail -n 5 "$tmp/read.err")"
fi
check "read-configuration echoes the image" grep -q "\"image\":\"$image\"" <<<"$config"
check "read-configuration echoes workspaceFolder" grep -q '"workspaceFolder":"/workspace"' <<<"$config"
check "read-configuration resolves workspaceMount" \
  grep -q "\"workspaceMount\":\"source=$project,target=/workspace,type=bind\"" <<<"$config"
check "read-configuration keeps the runArgs" grep -q '"runArgs":\["--shm-size=1073741824","--security-opt=no-new-privileges"\]' <<<"$config"

# --- and runs it -------------------------------------------------------------------------
if "$devcontainer" up --workspace-folder "$project" >"$tmp/dc-up.out" 2>"$tmp/dc-up.err" &&
  grep -q '"outcome":"success"' "$tmp/dc-up.out"; then
  ok "devcontainer up"
  inside=$("$devcontainer" exec --workspace-folder "$project" sh -c 'id -u; id -g; pwd; grep NoNewPrivs /proc/self/status' 2>/dev/null)
  check "it runs as the invoking user" grep -qx "$(id -u)" <<<"$(sed -n 1p <<<"$inside")"
  check "it runs as the invoking group" grep -qx "$(id -g)" <<<"$(sed -n 2p <<<"$inside")"
  check "it starts in the workdir" grep -qx /workspace <<<"$(sed -n 3p <<<"$inside")"
  check "no-new-privileges holds" grep -q 'NoNewPrivs:[[:space:]]*1' <<<"$inside"
  check "Jupyter answers inside with the token from the mounted file" jupyter_answers "$project" 200 1
else
  ko "devcontainer up: $(tail -n 5 "$tmp/dc-up.err")"
fi

# --- a file dlenv did not write ----------------------------------------------------------
printf '{\n  // mine\n  "image": "python:3.12"\n}\n' >"$file"
check "a foreign devcontainer.json is refused" bash -c '! "$1" export devcontainer demo --project "$2" 2>/dev/null' _ "$dlenv" "$project"
check "and kept" grep -q '"image": "python:3.12"' "$file"
check "--force replaces it" bash -c '"$1" export devcontainer demo --project "$2" --force >/dev/null' _ "$dlenv" "$project"
check "with dlenv's" grep -q "\"image\": \"$image\"" "$file"

# --- for a teammate: --build ----------------------------------------------------------------
# A copy of the project on "another machine" (no dlenv state, no image named by a local tag):
# the CLI builds the image from dlenv-build/Dockerfile and runs it; Jupyter makes its own token.
mate=$tmp/teammate
mkdir -p "$mate"
cp "$project/dlenv.toml" "$mate/"
if "$dlenv" export devcontainer demo --build --project "$mate" >/dev/null 2>"$tmp/export-build.err"; then
  ok "dlenv export devcontainer --build"
else
  ko "dlenv export devcontainer --build: $(cat "$tmp/export-build.err")"
fi
mate_file=$mate/.devcontainer/devcontainer.json
check "the teammate's file builds from dlenv-build/Dockerfile" grep -q '"dockerfile": "dlenv-build/Dockerfile"' "$mate_file"
check "it names no local image" bash -c '! grep -q "\"image\":" "$1"' _ "$mate_file"
check "it mounts none of this machine's secrets" bash -c '! grep -q "/run/dlenv/secrets" "$1"' _ "$mate_file"
# The teammate's machine has none of this one's dlenv state.
if DLENV_HOME=$tmp/mate-state "$devcontainer" up --workspace-folder "$mate" >"$tmp/mate-up.out" 2>"$tmp/mate-up.err" &&
  grep -q '"outcome":"success"' "$tmp/mate-up.out"; then
  ok "devcontainer up builds the image from the Dockerfile"
  inside=$("$devcontainer" exec --workspace-folder "$mate" sh -c 'pwd; test -f dlenv.toml && echo project; python3 -c "import ipykernel, ipywidgets; print(\"kernel\")"' 2>/dev/null)
  check "it starts in the workdir with the project mounted" grep -qx /workspace <<<"$(sed -n 1p <<<"$inside")"
  check "the project is there" grep -qx project <<<"$(sed -n 2p <<<"$inside")"
  check "ipykernel and ipywidgets are installed" grep -qx kernel <<<"$(sed -n 3p <<<"$inside")"
  check "Jupyter runs there and wants a token (its own)" jupyter_answers "$mate" 403 0
else
  ko "devcontainer up of the teammate's file: $(tail -n 5 "$tmp/mate-up.err")"
fi
ids=$(docker ps -aq --filter "label=devcontainer.local_folder=$mate")
[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1

# --- dlenv code ----------------------------------------------------------------------------
check "dlenv code prints the VS Code command" \
  test "$("$dlenv" code demo --project "$project" 2>/dev/null)" = "code --remote ssh-remote+dlenv-demo /workspace"

finish
