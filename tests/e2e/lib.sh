# Shared by the end-to-end shell tests (sourced): pass/fail counting, skipping outside CI, and
# npm packages kept in <repo>/.cache. A test calls `finish` last; its last line is
# "N passed, M failed" and its exit status is 0 only when nothing failed.

in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != "false" ] && [ "${CI:-}" != "0" ]; }

# skip REASON: exit 77 (CTest's SKIP_RETURN_CODE), or fail under CI=true.
skip() {
  if in_ci; then echo "FAIL: $* (CI=true: not skipped)"; echo "0 passed, 1 failed"; exit 1; fi
  echo "SKIP: $*"
  exit 77
}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
ko() { failed=$((failed + 1)); echo "FAIL $*"; }
# check NAME COMMAND...: passes when COMMAND exits 0.
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else ko "$name"; fi
}
finish() {
  if [ -n "${finish_note:-}" ]; then echo "$finish_note"; fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# npm_package DIR PACKAGE@VERSION: installs the package into DIR with npm unless `npm_present`
# says it is there; skips without npm or a registry that answers.
npm_package() {
  local dir=$1 package=$2
  command -v npm >/dev/null 2>&1 || skip "npm is not installed and $package is missing (apt-get install npm)"
  echo "installing $package into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund "$package" >"$dir.install.log" 2>&1 ||
    skip "npm install $package failed (no registry?): $(tail -n 3 "$dir.install.log")"
}
