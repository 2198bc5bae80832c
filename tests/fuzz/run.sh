#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan; -DDLENV_FUZZ=ON in a build
# directory of their own) and runs each for a bounded time over its seed corpus in
# tests/fuzz/corpus/<target>/. Prints executions and speed per target; exits non-zero when a
# target finds something (a crash, a sanitizer report, a broken contract, a leak, a hang),
# with the input saved under <build>/findings/<target>/ and the report printed.
#
#   DLENV_FUZZ_SECONDS  seconds per target (default 60; 0 skips fuzzing)
#   DLENV_FUZZ_TARGETS  which targets, space-separated (default: every one built)
#   DLENV_FUZZ_BUILD    the build directory (default: build-fuzz)
#   DLENV_FUZZ_CXX      the clang++ to use (default: the newest clang++-N, N >= 16, on PATH)
#   DLENV_FUZZ_MAX_LEN  longest input tried, bytes (default 40000: long values have bitten before)
#
# To reproduce a finding: <build>/tests/fuzz/<target> <build>/findings/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${DLENV_FUZZ_SECONDS:-60}
if [ "$seconds" = 0 ]; then
  echo "fuzz: skipped (DLENV_FUZZ_SECONDS=0)"
  exit 0
fi
build=${DLENV_FUZZ_BUILD:-build-fuzz}
max_len=${DLENV_FUZZ_MAX_LEN:-40000}

# clang 14 (Debian 12's default) reports concepts below C++20's final level, which hides
# libstdc++ 12's <expected>: the fuzz build needs clang 16 or newer (Debian 12 has clang-19).
cxx=${DLENV_FUZZ_CXX:-}
if [ -z "$cxx" ]; then
  for v in 19 18 17 16; do
    if command -v "clang++-$v" >/dev/null 2>&1; then
      cxx=clang++-$v
      break
    fi
  done
fi
if [ -z "$cxx" ]; then
  echo "fuzz: no clang++ 16 or newer; install clang-19 and libclang-rt-19-dev (scripts/dev-setup.sh does)" >&2
  exit 2
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DDLENV_FUZZ=ON -DDLENV_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_all

if [ -n "${DLENV_FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$DLENV_FUZZ_TARGETS"
else
  IFS=';' read -r -a targets <"$build/tests/fuzz/targets.txt"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  binary=$build/tests/fuzz/$t
  seeds=tests/fuzz/corpus/$t
  work=$build/fuzz-corpus/$t  # what the fuzzer adds; the checked-in seeds stay as they are
  findings=$build/findings/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len"
    -print_final_stats=1 -artifact_prefix="$findings/")
  if [ -f "tests/fuzz/$t.dict" ]; then args+=(-dict="tests/fuzz/$t.dict"); fi
  echo "fuzz: $t for ${seconds}s"
  rc=0
  "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "fuzz: $t: ${execs:-?} executions, ${speed:-?}/s, ${cov:-cov: ?}, exit $rc"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t FOUND something (exit $rc); the report:" >&2
    grep -v '^#[0-9]' "$log" | tail -60 >&2
    ls -1 "$findings" >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs under $build/findings/)" >&2
  exit 1
fi
echo "fuzz: clean (${targets[*]})"
