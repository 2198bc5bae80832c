#!/usr/bin/env bash
# Every test: installs what is missing, starts the engine, builds, makes the offline base
# images the integration tests use, then runs unit, contract, integration and end-to-end
# tests with CTest. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/dev-setup.sh
scripts/build.sh
for suite in bookworm bullseye trixie; do
  ./build/dlenv base bootstrap "debian:$suite"
done
ctest --test-dir build --output-on-failure --timeout 1800 "$@"
