#!/usr/bin/env bash
# Every test: installs what is missing, starts the engine, builds, makes the offline base
# images the integration tests use, then runs unit, contract, integration and end-to-end
# tests with CTest. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
# The ownership tests create an ordinary user and run dlenv as it: that needs root.
if [ "$(id -u)" -ne 0 ]; then exec sudo --preserve-env=CI,DOCKER_HOST "$0" "$@"; fi
scripts/dev-setup.sh
scripts/build.sh
for suite in bookworm bullseye trixie; do
  ./build/dlenv base bootstrap "debian:$suite"
done
# Fuzz the project-file, --gpus and --framework parsers (ASan + UBSan) for a bounded time:
# DLENV_FUZZ_SECONDS per target (default 60; 0 skips). See tests/fuzz/run.sh. It runs first
# so that CTest's summary is the last thing printed.
tests/fuzz/run.sh
ctest --test-dir build --output-on-failure --timeout 1800 "$@"
