#pragma once
// The scripts and configuration files dlenv puts into images. Plain POSIX sh, so they run on
// any base that has /bin/sh.
#include <string>

namespace dlenv::render {

// System layer: installs $DLENV_APT with apt-get, and Jupyter (jupyter-server, ipykernel,
// debugpy) from the distribution when it has apt, else with pip, when $DLENV_JUPYTER=1.
std::string install_system_script();
// Project layer: pip packages given as arguments, then /usr/local/lib/dlenv/requirements.txt.
std::string install_python_script();
// User layer: `add-user UID GID NAME HOME` makes a real passwd entry and a writable HOME.
std::string add_user_script();
// Runs as the user: starts Jupyter in the foreground, or waits when Jupyter is off.
std::string entrypoint_script();
// sshd configuration for a non-root sshd on port 2222, key-only, local forwarding, SFTP.
std::string sshd_config();
// /usr/local/bin/dlenv-session: sshd's ForceCommand (the workdir, then the shell or the command).
std::string ssh_session_script();
// Jupyter Server configuration: token from the mounted secret file, loopback Host check,
// the env's base_url.
std::string jupyter_server_config();

}  // namespace dlenv::render
