// libFuzzer target: dlenv.toml text → spec::parse_project (TOML parsing, validation, errors
// with file:line:col). Any crash, sanitizer report or broken contract is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "spec/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // A directory that does not exist: referenced files (requirements) are never found, and
  // nothing on this machine is read or written.
  auto spec = dlenv::spec::parse_project(text, "/nonexistent/dlenv-fuzz/dlenv.toml");
  if (!spec) {
    const auto& e = spec.error();
    DLENV_FUZZ_CHECK(e.code == dlenv::ErrorCode::config || e.code == dlenv::ErrorCode::not_found ||
                         e.code == dlenv::ErrorCode::io,
                     e.describe());
    DLENV_FUZZ_CHECK(!e.message.empty(), e.describe());
    DLENV_FUZZ_CHECK(!e.hint.empty(), e.describe());
    return 0;
  }
  for (const auto& env : spec->envs) {
    DLENV_FUZZ_CHECK(!env.name.empty(), "an environment without a name");
    const auto& g = env.gpus;
    if (g.kind == dlenv::spec::GpuRequest::Kind::count) DLENV_FUZZ_CHECK(g.count > 0, env.name);
    if (g.kind == dlenv::spec::GpuRequest::Kind::devices) DLENV_FUZZ_CHECK(!g.devices.empty(), env.name);
  }
  return 0;
}
