#include "backends/docker/docker_checks.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <regex>

#include <fmt/format.h>

#include "util/user_rights.hpp"

#include "host/gpu_probe.hpp"
#include "backends/docker/gpu_placement.hpp"
#include "util/poll.hpp"
#include "util/text.hpp"
#include "util/version.hpp"

namespace dlenv::docker {
namespace {

using backend::Check;
using S = Check::Status;

// The leading dotted number of a version string ("1.1.5+ds1" -> 1.1.5, "v1.2.0" -> 1.2.0).
std::optional<Version> leading_version(const std::string& text) {
  static const std::regex number(R"((\d+(\.\d+)*))");
  std::smatch m;
  if (!std::regex_search(text, m, number)) return std::nullopt;
  return Version::parse(m[1].str());
}

constexpr int64_t kLowDiskBytes = int64_t{20} * 1024 * 1024 * 1024;
constexpr const char* kProbeImage = "dlenv/debian:bookworm";

// Starts `nvidia-smi -L` in a throwaway container with the GPUs placed as environments get
// them, and counts the GPUs it lists.
Check gpu_in_container(engine::Engine& engine, const GpuPlacement& placement, size_t expected) {
  Check check{"gpu-in-container", S::ok, "", ""};
  auto image = engine.inspect_image(kProbeImage);
  if (!image || !*image) {
    check.status = S::skip;
    check.detail = fmt::format("{} is not present to test with", kProbeImage);
    check.remedy = "run 'dlenv base bootstrap debian:bookworm', then 'dlenv doctor' again";
    return check;
  }
  engine::ContainerSpec spec;
  spec.name = fmt::format("dlenv-doctor-{}", ::getpid());
  spec.image = kProbeImage;
  spec.cmd = {"nvidia-smi", "-L"};
  spec.gpus = placement.assignment;
  spec.mounts = placement.mounts;
  spec.labels = {{"dlenv.doctor", "1"}};
  spec.env = {"NVIDIA_DRIVER_CAPABILITIES=compute,utility"};
  auto created = engine.create_container(spec);
  auto cleanup = [&] { (void)engine.remove_container(spec.name, true); };
  if (!created) {
    check.status = S::fail;
    check.detail = "a container with GPUs could not be created: " + created.error().message;
    check.remedy = "see 'dlenv host' for the engine's GPU support";
    return check;
  }
  std::string output;
  if (auto started = engine.start_container(spec.name); !started) {
    check.status = S::fail;
    check.detail = "a container with GPUs could not start: " + started.error().message;
  } else {
    // Until it has listed the GPUs and exited, up to 30 s.
    (void)poll_until(std::chrono::seconds(30), {}, [&]() -> Result<Poll> {
      auto info = engine.inspect_container(spec.name);
      return !info || !*info || !(*info)->running() ? Poll::done : Poll::again;
    });
    (void)engine.logs(spec.name, false, std::nullopt, [&](engine::StreamKind, std::string_view text) { output += text; });
    size_t listed = 0;
    for (const auto& line : split(output, '\n'))
      if (starts_with(line, "GPU ")) ++listed;
    check.status = listed == expected ? S::ok : S::fail;
    check.detail = fmt::format("a container listed {} of {} GPU{}", listed, expected, expected == 1 ? "" : "s");
    if (listed != expected) check.detail += ": " + trim(output);
  }
  if (check.status == S::fail) check.remedy = "check the engine's GPU support ('dlenv host') and the driver files ('dlenv gpu cdi')";
  cleanup();
  return check;
}

}  // namespace

bool runc_vulnerable_to_cve_2024_21626(const std::string& runc_version) {
  auto v = leading_version(runc_version);
  return v && *v < *Version::parse("1.1.12");
}

bool docker_exposes_loopback_ports(const std::string& engine_version, bool podman) {
  if (podman) return false;
  auto v = leading_version(engine_version);
  return v && v->major() < 28;
}

std::vector<Check> engine_checks(engine::Engine& engine, const Result<host::GpuFacts>& facts, const spec::Settings& settings,
                                 bool probe_gpus) {
  std::vector<Check> checks;
  // --- the engine
  auto info = engine.ping();
  std::optional<engine::EngineDetails> details;
  if (!info) {
    checks.push_back({"engine", S::fail, info.error().message, info.error().hint});
  } else {
    checks.push_back({"engine", S::ok,
                      fmt::format("{} {} (API {}) at {}", info->podman ? "Podman" : "Docker", info->version, info->api_version, info->endpoint), ""});
    if (auto d = engine.details()) details = *d;
    if (!details) {
      checks.push_back({"runc", S::skip, "the engine did not describe its runtimes", ""});
    } else if (details->runc_version.empty()) {
      checks.push_back({"runc", S::warn, "the runc version is unknown", "check `runc --version`: 1.1.12 or newer fixes CVE-2024-21626"});
    } else if (runc_vulnerable_to_cve_2024_21626(details->runc_version)) {
      // A distribution build ("1.1.5+ds1") may carry the fix as a backport (Debian's
      // 1.1.5+ds1-1+deb12u1 does): the version alone cannot tell, so that is a warning.
      bool distribution_build = details->runc_version.find_first_of("+~") != std::string::npos;
      checks.push_back({"runc", distribution_build ? S::warn : S::fail,
                        fmt::format("runc {} is older than 1.1.12 (CVE-2024-21626: container escape through a leaked fd){}", details->runc_version,
                                    distribution_build ? "; this distribution build may carry the fix" : ""),
                        distribution_build ? "check your distribution's advisory for CVE-2024-21626, or upgrade runc to 1.1.12 or newer"
                                           : "upgrade runc (or the engine package that ships it) to 1.1.12 or newer (Docker 25.0.2+)"});
    } else {
      checks.push_back({"runc", S::ok, fmt::format("runc {}", details->runc_version), ""});
    }
    if (docker_exposes_loopback_ports(info->version, info->podman))
      checks.push_back({"loopback-ports", S::warn,
                        fmt::format("Docker {} is older than 28: hosts on the same network segment can reach ports published on 127.0.0.1 (moby#45610)", info->version),
                        "upgrade to Docker 28 or newer, or drop forwarded traffic to 127.0.0.0/8 from other interfaces in the DOCKER-USER chain"});
    else
      checks.push_back({"loopback-ports", S::ok, "ports published on 127.0.0.1 stay on this host", ""});
    if (details && !details->root_dir.empty()) {
      struct statvfs fs {};
      RootFileAccess as_root;  // the engine's data root is root's to look into (under sudo too)
      if (::statvfs(details->root_dir.c_str(), &fs) == 0) {
        int64_t free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
        bool low = free_bytes < kLowDiskBytes;
        checks.push_back({"disk", low ? S::warn : S::ok, fmt::format("{} free where the engine keeps images ({})", format_bytes(free_bytes), details->root_dir),
                          low ? "GPU images take 3-6 GB each: free space, or move the engine's data root" : ""});
      } else {
        checks.push_back({"disk", S::skip, fmt::format("{} is not readable from here", details->root_dir), ""});
      }
    }
  }


  // --- the GPUs in containers
  if (details && facts && facts->driver && !facts->gpus.empty()) {
    auto root = host::probe_options(settings).root;
    auto placement = place_gpus(*details, *facts, facts->gpus, true, root.string());
    bool toolkit = placement.how != "direct";
    checks.push_back({"gpu-runtime", toolkit ? S::ok : S::warn, fmt::format("GPUs reach containers through {}", placement.how),
                      toolkit ? "" : "dlenv injects the driver files itself; installing NVIDIA's container toolkit (or a CDI spec: `dlenv gpu cdi -o /etc/cdi/nvidia.yaml`) is more robust"});
    if (probe_gpus) checks.push_back(gpu_in_container(engine, placement, facts->gpus.size()));
  }
  return checks;
}

}  // namespace dlenv::docker
