// The dlenv.toml that `dlenv init` writes. Commented-out settings are written as "#key = ..."
// (no space after '#') so that removing the '#' yields valid TOML; prose comments use "# ".
#include "spec/loader.hpp"
#include "spec/toml_text.hpp"
#include "util/text.hpp"

namespace dlenv::spec {

namespace {

// @TABLE@ is the environment's table name, @BASE@ the quoted base image.
constexpr std::string_view kTemplate =
    R"(# dlenv.toml: the reproducible development environments of this project.
# Each [envs.<name>] table is one environment, built as a container image with this
# folder mounted inside. Host paths are relative to this file's folder.

[@TABLE@]
# The image to build on: [registry/]name[:tag][@sha256:digest]. Without it, dlenv chooses
# one for the framework below, this host's NVIDIA driver and its GPUs ('dlenv plan' says why).
base = @BASE@

# A deep-learning framework, resolved to a build this driver and these GPUs can run:
# "torch==2.3.1", "torch>=2.7", "tensorflow==1.15.*", "tensorflow==2.15.0", "jax".
#framework = "torch==2.3.1"

# Python for the framework ("3.11"); default: the newest the framework release supports.
#python = "3.11"

# CUDA: "auto" (the newest that the driver, the GPUs and the framework allow), "none"
# (CPU only) or a version such as "12.1". Default: "auto".
#cuda = "auto"

# GPUs: "all", "none", a number (GPUs no other running environment holds), or a list of
# indexes and UUIDs. Default: every GPU of the host.
#gpus = 1

# Debian packages installed with apt-get; a version is pinned with "name=version".
#apt = ["git", "python3-numpy"]

# Python packages installed with pip, as requirement strings.
#pip = ["torch==2.3.1", "transformers"]

# A pip requirements file, relative to this folder; it must exist.
#requirements = "requirements.txt"

# Size of /dev/shm ("512m", "2g" or a number of bytes); data loaders need plenty.
# Default: "2g".
#shm_size = "4g"

# Where this folder is mounted in the container (an absolute path). Default: "/workspace".
#workdir = "/workspace"

# Limits: memory ("16g"), CPUs (4 or 2.5) and processes/threads. Default: no memory or
# CPU limit, 4096 processes.
#memory = "16g"
#cpus = 4
#pids_limit = 8192

# Whether the engine starts the environment again after a reboot, an engine restart or a
# crash: "unless-stopped" (until 'dlenv down') or "no". Default: "unless-stopped".
#restart = "no"

# Jupyter with a notebook UI, ipykernel, ipywidgets and debugpy (editors attach to it):
# true (the best UI the base can have: JupyterLab, else the classic notebook), "lab",
# "notebook", "server" (no UI) or false. Default: true.
#jupyter = "server"

# Extra folders to mount: "host path" = "container path". A host path may be relative,
# absolute or start with "~/", and must exist; a value may also be
# { target = "...", read_only = true }. Sensitive folders (your home, a system folder, one
# holding the engine's socket) also need allow = true: 'dlenv plan' lists them.
#[@TABLE@.mounts]
#"data" = "/data"
#"~/datasets" = { target = "/datasets", read_only = true }

# Extra environment variables set in the container.
#[@TABLE@.env]
#WANDB_MODE = "offline"
)";

}  // namespace

std::string init_template(std::string_view env_name, std::string_view base) {
  return replace_all(replace_all(std::string(kTemplate), "@TABLE@", toml_key_path("envs", env_name)), "@BASE@",
                     toml_string(base));
}

}  // namespace dlenv::spec
