#!/bin/sh
# The layer check must fail on a wrong-way include and on a leaked third-party header.
set -eu
check=$(dirname "$0")/check_layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/util" "$tmp/src/engine" "$tmp/src/spec"
printf '#include "util/error.hpp"\n' > "$tmp/src/engine/ok.cpp"
"$check" "$tmp/src" >/dev/null || { echo "selftest: a clean tree was rejected"; exit 1; }
printf '#include "engine/engine.hpp"\n' > "$tmp/src/spec/bad.cpp"
if "$check" "$tmp/src" >/dev/null; then echo "selftest: spec -> engine was accepted"; exit 1; fi
rm "$tmp/src/spec/bad.cpp"
printf '#include <sqlite3.h>\n' > "$tmp/src/engine/bad.cpp"
if "$check" "$tmp/src" >/dev/null; then echo "selftest: sqlite in engine was accepted"; exit 1; fi
rm "$tmp/src/engine/bad.cpp"
mkdir -p "$tmp/src/util/sub"
printf '#include "ops/up.hpp"\n' > "$tmp/src/util/sub/bad.cpp"
if "$check" "$tmp/src" >/dev/null; then echo "selftest: util/sub -> ops was accepted"; exit 1; fi
echo "selftest: ok"
