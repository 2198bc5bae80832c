#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build dlenv, make the
# offline base image, and bring up examples/quickstart, printing its Jupyter URL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/dev-setup.sh
scripts/build.sh --target dlenv
./build/dlenv base bootstrap debian:bookworm
./build/dlenv up --project examples/quickstart
echo
echo "Next: ./build/dlenv ls | ./build/dlenv shell quickstart --project examples/quickstart | ./build/dlenv down quickstart --project examples/quickstart"
