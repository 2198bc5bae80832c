#!/usr/bin/env bash
# The notebook UI in a real browser: headless Chromium (Debian's chromium, driven by
# puppeteer-core) opens the URL `dlenv up` printed for two Debian torch environments - bookworm
# (the classic notebook through nbclassic, torch 1.13) and trixie (JupyterLab, torch 2.6) - makes
# a new Python 3 notebook from the UI, runs
#   import torch, os; print(torch.__version__, os.environ["HF_HOME"])
# and sees the output in the page (the same values `dlenv exec` sees), then renders an ipywidgets
# slider without a "Widget Javascript not detected" warning. Screenshots of each step are kept in
# ${DLENV_TEST_ARTIFACTS:-<repo>/build/test-artifacts}/notebook-browser/.
#
# usage: notebook_browser_test.sh DLENV_BINARY
# puppeteer-core@${DLENV_PUPPETEER_VERSION:-24.43.1} is installed with npm when missing, into
# ${DLENV_NPM_CACHE:-<repo>/.cache}/puppeteer-core. Without a container engine, Chromium, or
# puppeteer-core and npm, it skips (exit 77) - except under CI=true, where that fails.
set -uo pipefail

dlenv=${1:?usage: notebook_browser_test.sh DLENV_BINARY}
repo=$(cd "$(dirname "$0")/../.." && pwd)
module_dir=${DLENV_NPM_CACHE:-$repo/.cache}/puppeteer-core
module=$module_dir/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js
version=${DLENV_PUPPETEER_VERSION:-24.43.1}  # the version this test was written against (Node >= 18)
chromium=${CHROMIUM:-/usr/bin/chromium}
artifacts=${DLENV_TEST_ARTIFACTS:-$repo/build/test-artifacts}/notebook-browser

# shellcheck source=lib.sh
. "$repo/tests/e2e/lib.sh"

[ -x "$dlenv" ] || { echo "FAIL: $dlenv is not an executable"; echo "0 passed, 1 failed"; exit 1; }
command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || skip "no container engine answers (docker info)"
[ -x "$chromium" ] || skip "$chromium is missing (apt-get install chromium)"
command -v node >/dev/null 2>&1 || skip "node is missing (apt-get install nodejs)"
[ -f "$module" ] || npm_package "$module_dir" "puppeteer-core@$version"
echo "using $("$chromium" --version 2>/dev/null) and puppeteer-core $(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$module_dir/node_modules/puppeteer-core/package.json")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlenv-e2e-browser-XXXXXX")
chmod 755 "$tmp"
project=$tmp/project
mkdir -p "$project" "$artifacts"
rm -f "$artifacts"/*.png
export DLENV_HOME=$tmp/state DLENV_CACHE_HOME=$tmp/cache DLENV_PORT_RANGE=36000-36999

cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=dlenv.project=$project")
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

finish_note="screenshots: $artifacts"

for suite in bookworm trixie; do
  if ! docker image inspect "dlenv/debian:$suite" >/dev/null 2>&1; then
    "$dlenv" -q base bootstrap "debian:$suite" || { ko "dlenv base bootstrap debian:$suite"; finish; }
  fi
done

# As the coexistence integration test writes them: the two share its image layers.
cat >"$project/dlenv.toml" <<'EOF'
[envs.torch113]
base = "dlenv/debian:bookworm"
framework = "torch==1.13.*"
[envs.torch26]
base = "dlenv/debian:trixie"
framework = "torch>=2.6"
EOF

if ! "$dlenv" up --json --project "$project" >"$tmp/up.json" 2>"$tmp/up.err"; then
  ko "dlenv up: $(tail -n 5 "$tmp/up.err")"
  finish
fi
ok "dlenv up"

# browse ENV UI TORCH_PREFIX: the UI at the printed URL runs a cell and renders a widget.
browse() {
  local env=$1 ui=$2 torch_prefix=$3 url expected torch hf_home
  url=$("$dlenv" url "$env" --project "$project" 2>"$tmp/url.err") || { ko "$env: dlenv url: $(cat "$tmp/url.err")"; return; }
  case $url in
    */dlenv/$env/$ui\?token=*) ok "$env: the printed URL opens /$ui" ;;
    *) ko "$env: the printed URL $url does not open /$ui" ;;
  esac
  torch=$("$dlenv" exec "$env" --project "$project" -- python3 -c 'import torch; print(torch.__version__)' 2>/dev/null)
  hf_home=$("$dlenv" exec "$env" --project "$project" -- printenv HF_HOME 2>/dev/null)
  case $torch in
    "$torch_prefix"*) ok "$env: dlenv exec imports torch $torch" ;;
    *) ko "$env: torch is '$torch', not $torch_prefix*" ;;
  esac
  [ -n "$hf_home" ] || ko "$env: dlenv exec sees no HF_HOME"
  expected="$torch $hf_home"
  if PUPPETEER_CORE=$module CHROMIUM=$chromium timeout 900 node "$repo/tests/e2e/notebook_browser.mjs" "$url" "$ui" "$expected" \
    "$artifacts/$env" >"$tmp/browser.out" 2>&1; then
    ok "$env: in Chromium, a new notebook prints '$expected' and shows a slider"
  else
    ko "$env: in Chromium:"
  fi
  sed 's/^/       /' "$tmp/browser.out"
}

browse torch113 tree 1.13.
browse torch26 lab 2.6.
finish
