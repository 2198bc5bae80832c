#!/bin/sh
# dlenv: system packages and Jupyter for the system layer.
set -eu
apt_packages="${DLENV_APT:-}"
extra=""
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  if [ "${DLENV_JUPYTER:-0}" = 1 ]; then
    extra="python3 python3-jupyter-server python3-ipykernel"
    if apt-cache show python3-debugpy >/dev/null 2>&1; then
      extra="$extra python3-debugpy"
    else
      echo "dlenv: python3-debugpy is not packaged for this release; cell debugging is unavailable" >&2
    fi
  fi
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $apt_packages $extra
  apt-get clean
  rm -rf /var/lib/apt/lists/*
elif [ -n "$apt_packages" ]; then
  echo "dlenv: apt packages were requested but the base image has no apt-get" >&2
  exit 1
elif [ "${DLENV_JUPYTER:-0}" = 1 ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "dlenv: the base image has neither apt-get nor python3, so Jupyter cannot be installed" >&2
    exit 1
  fi
  python3 -m pip install --no-cache-dir jupyter-server 'ipykernel>=6' debugpy
fi
