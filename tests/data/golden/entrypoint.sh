#!/bin/sh
# dlenv-entrypoint: runs as the user. With arguments, runs them; else starts Jupyter in the
# foreground when it is on, or waits.
set -eu
cd "${DLENV_WORKDIR:-$HOME}" 2>/dev/null || cd "$HOME"
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
if [ "${DLENV_JUPYTER:-0}" = 1 ]; then
  exec python3 -m jupyter_server --config=/etc/dlenv/jupyter_server_config.py
fi
exec sleep infinity
