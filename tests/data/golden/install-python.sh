#!/bin/sh
# dlenv: Python packages for the project layer. Arguments are requirement strings.
set -eu
requirements=/usr/local/lib/dlenv/requirements.txt
has_requirements=0
if [ -f "$requirements" ] && grep -qvE '^[[:space:]]*(#|$)' "$requirements"; then
  has_requirements=1
fi
if [ "$#" -eq 0 ] && [ "$has_requirements" = 0 ]; then
  exit 0
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3-pip
    rm -rf /var/lib/apt/lists/*
  else
    python3 -m ensurepip
  fi
fi
export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
if [ "$#" -gt 0 ]; then
  python3 -m pip install "$@"
fi
if [ "$has_requirements" = 1 ]; then
  python3 -m pip install -r "$requirements"
fi
