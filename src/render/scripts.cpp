#include "render/scripts.hpp"

#include <string_view>
#include <utility>

#include "plan/run_plan.hpp"
#include "util/text.hpp"

namespace dlenv::render {
namespace {

std::string cache_names() {
  std::string out;
  for (const char* name : spec::kCacheNames) out += (out.empty() ? "" : " ") + std::string(name);
  return out;
}

// The container paths, file names and ports dlenv uses, from plan/run_plan.hpp (one place).
std::string with_dlenv_paths(std::string text) {
  const std::pair<std::string_view, std::string> values[] = {
      {"@SECRETS@", plan::kSecretsMountPoint},
      {"@HOST_KEY@", plan::kSshHostKeyFile},
      {"@AUTHORIZED_KEYS@", plan::kAuthorizedKeysFile},
      {"@TOKEN@", plan::kJupyterTokenFile},
      {"@SSH_PORT@", std::to_string(plan::kSshContainerPort)},
      {"@JUPYTER_PORT@", std::to_string(plan::kJupyterContainerPort)},
      {"@CACHE_ROOT@", spec::kCacheMountRoot},
      {"@CACHE_NAMES@", cache_names()},
  };
  for (const auto& [placeholder, value] : values) text = replace_all(std::move(text), placeholder, value);
  return text;
}

}  // namespace

std::string install_system_script() {
  return R"SH(#!/bin/sh
# dlenv: system packages and Jupyter for the system layer. With DLENV_JUPYTER=1 it installs
# Jupyter with the front end DLENV_JUPYTER_UI names (lab, notebook, server; best: the best this
# base can have), ipykernel, ipywidgets and debugpy, and writes what the entrypoint is to start
# (lab, nbclassic, notebook or server) to /etc/dlenv/jupyter-ui.
set -eu
apt_packages="${DLENV_APT:-}"
ui="${DLENV_JUPYTER_UI:-best}"
extra=""
launcher=""
jupyter_from_pip=0
# A real package of that name (apt-cache show also succeeds, silently, for virtual names).
packaged() { apt-cache show "$1" 2>/dev/null | grep -q '^Package:'; }
# Jupyter from this release's packages: sets extra and launcher; fails when it lacks the front end.
jupyter_from_apt() {
  if [ "$ui" = best ]; then
    if packaged jupyterlab; then ui=lab
    elif packaged python3-nbclassic || packaged python3-notebook; then ui=notebook
    elif packaged python3-jupyter-server; then ui=server
    else return 1; fi  # nothing packaged: "best" stays, and pip brings JupyterLab
  fi
  case $ui in
    lab)
      packaged jupyterlab || return 1
      extra="jupyterlab python3-ipywidgets"
      if packaged python3-jupyterlab-widgets; then extra="$extra python3-jupyterlab-widgets"; fi
      launcher=lab ;;
    notebook)
      if packaged python3-nbclassic && packaged python3-jupyter-server; then
        extra="python3-nbclassic python3-notebook" launcher=nbclassic
      elif packaged python3-notebook; then
        extra="python3-notebook" launcher=notebook  # the classic notebook's own server (bullseye)
      else
        return 1
      fi
      if packaged python3-ipywidgets; then extra="$extra python3-ipywidgets"; fi
      if packaged jupyter-nbextension-jupyter-js-widgets; then extra="$extra jupyter-nbextension-jupyter-js-widgets"; fi ;;
    server)
      packaged python3-jupyter-server || return 1
      extra="python3-jupyter-server" launcher=server ;;
  esac
  extra="python3 python3-ipykernel $extra"
  if packaged python3-debugpy; then
    extra="$extra python3-debugpy"
  else
    echo "dlenv: python3-debugpy is not packaged for this release; cell debugging is unavailable" >&2
  fi
}
# Jupyter from pip, beside the image's own Python or the framework's.
jupyter_from_pip() {
  case $ui in
    best|lab) launcher=lab; set -- jupyterlab ipywidgets ;;
    notebook) launcher=nbclassic; set -- nbclassic ipywidgets ;;
    server) launcher=server; set -- jupyter-server ;;
  esac
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir "$@" 'ipykernel>=6' debugpy
}
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  base_python=$(command -v python3 || true)
  if [ "${DLENV_JUPYTER:-0}" = 1 ]; then
    if [ -n "$base_python" ] && [ "$base_python" != /usr/bin/python3 ]; then
      # The image brings its own Python (python:*, conda): Jupyter goes beside the framework.
      jupyter_from_pip=1
    elif ! jupyter_from_apt; then
      # Not packaged here (Ubuntu-based CUDA images): Python from apt, Jupyter from pip.
      extra="python3 python3-pip"
      jupyter_from_pip=1
    fi
  fi
  # An sshd for editors (VS Code Remote-SSH needs bash, tar and curl too); dlenv runs it as
  # the user with its own config and host key, so the package's host keys are removed.
  extra="$extra openssh-server bash tar curl ca-certificates"
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $apt_packages $extra
  apt-get clean
  rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_*
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
  if [ "$jupyter_from_pip" = 1 ]; then jupyter_from_pip; fi
elif [ -n "$apt_packages" ]; then
  echo "dlenv: apt packages were requested but the base image has no apt-get" >&2
  exit 1
elif [ "${DLENV_JUPYTER:-0}" = 1 ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "dlenv: the base image has neither apt-get nor python3, so Jupyter cannot be installed" >&2
    exit 1
  fi
  jupyter_from_pip
fi
if [ "${DLENV_JUPYTER:-0}" = 1 ]; then
  # ipywidgets 6 (Debian bullseye, bookworm) checks the page's widget code only over a channel the
  # page opens when the kernel starts: imported later, it reports "Widget Javascript not
  # detected" under a working widget. Kernels import it at start.
  if python3 -c 'import sys, ipywidgets; sys.exit(int(ipywidgets.__version__.split(".")[0]) >= 7)' 2>/dev/null; then
    mkdir -p /etc/ipython
    echo 'get_config().InteractiveShellApp.exec_lines.append("import ipywidgets as _dlenv_ipywidgets")' \
      >>/etc/ipython/ipython_kernel_config.py
  fi
  mkdir -p /etc/dlenv
  echo "$launcher" >/etc/dlenv/jupyter-ui
  echo "dlenv: Jupyter's front end: $launcher"
fi
)SH";
}

std::string install_python_script() {
  return R"SH(#!/bin/sh
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
# DLENV_PIP_INDEXES: the framework's package indexes; the first replaces PyPI, the others are extra.
index_args=""
for index in ${DLENV_PIP_INDEXES:-}; do
  if [ -z "$index_args" ]; then index_args="--index-url $index"; else index_args="$index_args --extra-index-url $index"; fi
done
# DLENV_PIP_FIND_LINKS: pages of wheel links (PyTorch 1.10 and older).
for page in ${DLENV_PIP_FIND_LINKS:-}; do
  index_args="$index_args --find-links $page"
done
if [ "$#" -gt 0 ]; then
  # shellcheck disable=SC2086
  python3 -m pip install $index_args "$@"
fi
if [ "$has_requirements" = 1 ]; then
  python3 -m pip install -r "$requirements"
fi
)SH";
}

std::string add_user_script() {
  return with_dlenv_paths(R"SH(#!/bin/sh
# dlenv: add-user UID GID NAME HOME. Makes NAME a real user with a writable HOME and no sudo.
set -eu
uid=$1 gid=$2 name=$3 home=$4
filter() { # filter FILE AWK-CONDITION: keep the lines of FILE that match
  [ -f "$1" ] || return 0
  awk -F: -v n="$name" -v u="$uid" -v g="$gid" "$2" "$1" > "$1.dlenv" && cat "$1.dlenv" > "$1" && rm -f "$1.dlenv"
}
if [ "$uid" != 0 ]; then
  # Free the uid and the name if the base image gives them to someone else.
  filter /etc/passwd '$1 != n && $3 != u'
  filter /etc/shadow '$1 != n'
  if ! awk -F: -v g="$gid" '$3 == g { found = 1 } END { exit !found }' /etc/group; then
    filter /etc/group '$1 != n'
    filter /etc/gshadow '$1 != n'
    echo "$name:x:$gid:" >> /etc/group
  fi
  shell=/bin/sh
  [ -x /bin/bash ] && shell=/bin/bash
  echo "$name:x:$uid:$gid:dlenv user:$home:$shell" >> /etc/passwd
  # "*": no password can match, but the account is not locked (sshd refuses locked accounts
  # even for key logins).
  if [ -f /etc/shadow ]; then echo "$name:*:1::::::" >> /etc/shadow; fi
  rm -f "/etc/sudoers.d/$name"
fi
mkdir -p "$home/.local/share/jupyter" "$home/.cache"
chown -R "$uid:$gid" "$home"
chmod 0755 "$home"
# The caches' mount points: dlenv mounts the user's cache folders there; a devcontainer built
# elsewhere mounts fresh volumes, which start as these folders are (writable by whoever the
# editor makes the user).
for cache in @CACHE_NAMES@; do
  mkdir -p "@CACHE_ROOT@/$cache"
  chmod 1777 "@CACHE_ROOT@/$cache"
done
)SH");
}

std::string entrypoint_script() {
  return R"SH(#!/bin/sh
# dlenv-entrypoint: runs as the user. With arguments, runs them; else starts Jupyter in the
# foreground when it is on, or waits.
set -eu
# HOME is the environment's kept home (a host folder, empty on the first start): it gets the
# release's shell defaults once (Debian's .profile puts ~/.local/bin, where `pip install --user`
# puts scripts, on PATH).
if [ ! -e "$HOME/.profile" ] && [ -d /etc/skel ]; then cp -Rn /etc/skel/. "$HOME/" 2>/dev/null || true; fi
mkdir -p "$HOME/.local/share/jupyter" "$HOME/.cache" 2>/dev/null || true
cd "${DLENV_WORKDIR:-$HOME}" 2>/dev/null || cd "$HOME"
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
ssh_on=0
if [ "${DLENV_SSH:-0}" = 1 ]; then
  if [ -x /usr/sbin/sshd ]; then
    ssh_on=1
    # SSH sessions get the container's environment (caches, the project's [env], CUDA's
    # PATH and libraries): sshd reads ~/.ssh/environment (PermitUserEnvironment) for each.
    mkdir -p "$HOME/.ssh" && chmod 0700 "$HOME/.ssh"
    env | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' | grep -vE '^(HOME|PWD|OLDPWD|SHLVL|HOSTNAME|TERM|_)=' \
      >"$HOME/.ssh/environment" || true
    chmod 0600 "$HOME/.ssh/environment"
  else
    echo "dlenv: this image has no /usr/sbin/sshd; SSH is off" >&2
  fi
fi
if [ "${DLENV_JUPYTER:-0}" = 1 ]; then
  if [ "$ssh_on" = 1 ]; then
    /usr/sbin/sshd -f /etc/dlenv/sshd_config -o "AllowUsers=$(id -un)" -E /tmp/dlenv-sshd.log ||
      echo "dlenv: sshd did not start (see /tmp/dlenv-sshd.log)" >&2
  fi
  # The front end the build installed (lab, nbclassic, notebook, server): the classic notebook's
  # own server where no Jupyter Server carries it (Debian bullseye), else Jupyter Server.
  server=jupyter_server
  if [ "$(cat /etc/dlenv/jupyter-ui 2>/dev/null)" = notebook ]; then server=notebook; fi
  # Jupyter dying (killed, out of memory) does not end the container, sshd and editors with it:
  # it is started again. `docker stop` (TERM) ends it and then the container, cleanly.
  stopping=0 jupyter=""
  trap 'stopping=1; [ -n "$jupyter" ] && kill -TERM "$jupyter" 2>/dev/null' TERM INT
  while [ "$stopping" = 0 ]; do
    python3 -m "$server" --config=/etc/dlenv/jupyter_server_config.py &
    jupyter=$!
    wait "$jupyter" || true
    # A trapped signal interrupts `wait`: wait again for Jupyter to finish shutting down.
    if [ "$stopping" = 1 ]; then wait "$jupyter" 2>/dev/null || true; break; fi
    echo "dlenv: Jupyter exited; starting it again in 2 s" >&2
    sleep 2
  done
  exit 0
fi
if [ "$ssh_on" = 1 ]; then
  exec /usr/sbin/sshd -D -e -f /etc/dlenv/sshd_config -o "AllowUsers=$(id -un)"
fi
exec sleep infinity
)SH";
}

std::string sshd_config() {
  return with_dlenv_paths(R"(# dlenv: sshd for one user, run as that user (never root), keys only. The host key and
# the authorized keys come from the environment's secrets, mounted read-only; the allowed
# user is given on the command line (-o AllowUsers=...).
Port @SSH_PORT@
HostKey @SECRETS@/@HOST_KEY@
AuthorizedKeysFile @SECRETS@/@AUTHORIZED_KEYS@
PidFile /tmp/dlenv-sshd.pid
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PermitRootLogin no
# VS Code forwards its server's port over the connection: local forwarding only.
AllowTcpForwarding local
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
GatewayPorts no
# Sessions get the container's environment (~/.ssh/environment, written at start) and start in
# the workdir (dlenv-session); sshd runs as the user, so this gives nobody more than they have.
PermitUserEnvironment yes
ForceCommand /usr/local/bin/dlenv-session
MaxAuthTries 3
LoginGraceTime 30
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
)");
}

std::string ssh_session_script() {
  return R"SH(#!/bin/sh
# dlenv-session: every SSH session (sshd's ForceCommand) starts in the workdir, as `dlenv exec`
# does; a command the client gave (VS Code's, scp's, the sftp server) runs in the user's shell.
cd "${DLENV_WORKDIR:-$HOME}" 2>/dev/null || cd "$HOME" 2>/dev/null || true
if [ -z "${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec "${SHELL:-/bin/sh}" -l
fi
exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
)SH";
}

std::string jupyter_server_config() {
  return with_dlenv_paths(R"PY(# dlenv: Jupyter settings for a container environment, for Jupyter Server (JupyterLab,
# nbclassic, the bare server) and for the classic notebook's own server (NotebookApp). The token
# is read from a file that dlenv mounts read-only: it never appears in argv, the environment or
# the logs.
import os

c = get_config()  # noqa: F821

# No token file, or an empty one (a devcontainer built on a teammate's machine, without dlenv's
# secrets): the server makes a random token of its own and prints it in its log.
try:
    with open("@SECRETS@/@TOKEN@", encoding="ascii") as token_file:
        _token = token_file.read().strip() or None  # an empty token would turn authentication off
except FileNotFoundError:
    _token = None
try:
    with open("/etc/dlenv/jupyter-ui", encoding="ascii") as ui_file:
        _ui = ui_file.read().strip()
except OSError:
    _ui = "server"
try:
    import jupyter_server
    _major = int(jupyter_server.__version__.split(".")[0])
except Exception:
    _major = 1
# The classic notebook's own server (Debian bullseye) is NotebookApp; everything else runs on
# Jupyter Server (nbclassic's extension is also called NotebookApp: it must get no settings).
_app = c.NotebookApp if _ui == "notebook" else c.ServerApp
if _token is None:
    pass
elif _ui != "notebook" and _major >= 2:
    c.IdentityProvider.token = _token
else:
    _app.token = _token
_app.password = ""
_app.ip = "0.0.0.0"
_app.port = @JUPYTER_PORT@
_app.port_retries = 0
_app.open_browser = False
# Listening on all interfaces inside the container turns the Host-header check off unless
# it is set explicitly: keep rejecting non-local Host headers (DNS rebinding).
_app.allow_remote_access = False
_app.base_url = os.environ.get("DLENV_JUPYTER_BASE_URL", "/")
# The container runs as the host user; that is root only when root ran dlenv.
_app.allow_root = os.getuid() == 0
_workdir = os.environ.get("DLENV_WORKDIR", os.path.expanduser("~"))
if _ui == "notebook":
    c.NotebookApp.notebook_dir = _workdir
else:
    c.ServerApp.root_dir = _workdir
# The server's root redirects to the UI, the query kept: "?token=" logs in on the way.
if _ui == "lab":
    c.ServerApp.jpserver_extensions = {"jupyterlab": True}
    c.ServerApp.default_url = "/lab"
elif _ui == "nbclassic":
    c.ServerApp.jpserver_extensions = {"nbclassic": True}
    c.ServerApp.default_url = "/tree"
)PY");
}

}  // namespace dlenv::render
