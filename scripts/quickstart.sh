#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build dlenv, make the
# offline base image, and bring up examples/quickstart, printing its Jupyter URL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/dev-setup.sh
scripts/build.sh --target dlenv

# dlenv talks to the engine's socket; without access to it, go through sudo (dlenv then acts
# for the sudo user: the environment runs as you and its files are yours).
dlenv=(./build/dlenv)
if [ "$(id -u)" -ne 0 ] && [ -z "${DOCKER_HOST:-}" ] && [ ! -w /var/run/docker.sock ]; then dlenv=(sudo ./build/dlenv); fi

"${dlenv[@]}" base bootstrap debian:bookworm
"${dlenv[@]}" up --project examples/quickstart
echo
echo "Next: ${dlenv[*]} ls"
echo "      ${dlenv[*]} exec quickstart --project examples/quickstart -- python3 hello.py"
echo "      ${dlenv[*]} down quickstart --project examples/quickstart"
