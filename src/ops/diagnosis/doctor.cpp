#include "ops/diagnosis/doctor.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include "host/gpu_probe.hpp"
#include "util/text.hpp"

namespace dlenv::ops {
namespace {

using S = Check::Status;

}  // namespace

std::vector<Check> doctor(Context& ctx, const DoctorOptions& options) {
  std::vector<Check> checks;
  const bool probe_gpus = options.run_gpu_container;
  for (auto& check : ctx.backend().diagnose(probe_gpus)) checks.push_back(std::move(check));

  // --- the driver and the GPUs
  auto facts = ctx.backend().gpu_facts();
  if (!facts) {
    checks.push_back({"nvidia-driver", S::fail, facts.error().message, facts.error().hint});
  } else if (!facts->driver) {
    checks.push_back({"nvidia-driver", S::skip, "no NVIDIA driver found: environments run on the CPU",
                      "install the NVIDIA driver for GPUs (then `nvidia-smi` should list them)"});
  } else {
    auto root = host::probe_options(ctx.settings()).root;
    struct stat st {};
    bool module_loaded = ::stat((root / "proc/driver/nvidia/version").c_str(), &st) == 0;
    checks.push_back({"nvidia-driver", module_loaded ? S::ok : S::warn,
                      fmt::format("driver {} (CUDA level {}){}", facts->driver->version.str(), facts->driver->cuda_driver_version.str(),
                                  module_loaded ? ", kernel module loaded" : ", but /proc/driver/nvidia/version is missing"),
                      module_loaded ? "" : "load the kernel module (`sudo modprobe nvidia`) or reboot after a driver upgrade"});
    checks.push_back({"gpus", facts->gpus.empty() ? S::warn : S::ok,
                      facts->gpus.empty() ? "the driver reports no GPU" : fmt::format("{} GPU{} seen", facts->gpus.size(), facts->gpus.size() == 1 ? "" : "s"),
                      facts->gpus.empty() ? "check `nvidia-smi -L`" : ""});
  }

  // --- dlenv's own state
  const auto& data = ctx.host().paths.data_dir;
  struct stat st {};
  if (::stat(data.c_str(), &st) != 0) {
    checks.push_back({"state-dir", S::ok, fmt::format("{} will be created (mode 0700)", data.string()), ""});
  } else {
    bool private_dir = (st.st_mode & 0077) == 0;
    bool owned = st.st_uid == ctx.host().user.uid;
    checks.push_back({"state-dir", private_dir && owned ? S::ok : S::fail,
                      fmt::format("{} mode {:o}, owner uid {}", data.string(), st.st_mode & 0777, st.st_uid),
                      private_dir && owned ? "" : fmt::format("it holds tokens: chmod 700 {} and chown it to uid {}", data.string(), ctx.host().user.uid)});
  }
  return checks;
}

}  // namespace dlenv::ops
