#include "ops/images/base_bootstrap.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "util/digest.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"
#include "util/user_rights.hpp"

namespace dlenv::ops {
namespace {

// Removes a file when it goes out of scope.
// The tarball mmdebstrap writes (as root, also under sudo): removed with root's rights.
struct TempFile {
  std::filesystem::path path;
  ~TempFile() {
    RootFileAccess as_root;
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

Result<BootstrapResult> bootstrap_base(Context& ctx, const BootstrapOptions& options) {
  const std::string suite = starts_with(options.image, "debian:") ? options.image.substr(7) : "";
  const bool plain = !suite.empty() && suite.size() <= 32 &&
                     std::all_of(suite.begin(), suite.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (!plain)
    return fail(ErrorCode::usage, fmt::format("cannot bootstrap '{}'", abbreviate(options.image)),
                "name a Debian release: debian:bookworm, debian:bullseye or debian:trixie");
  BootstrapResult result{"dlenv/debian:" + suite, "", false};

  auto& backend = ctx.backend();
  DLENV_TRY_VOID(backend.check_reachable());
  if (!options.force) {
    if (auto existing = DLENV_TRY(backend.image_id(result.image))) {
      result.id = *existing;
      return result;
    }
  }
  if (!find_program("mmdebstrap"))
    return fail(ErrorCode::io, "mmdebstrap is not installed", "install it: sudo apt-get install mmdebstrap");

  auto tmpdir = std::filesystem::temp_directory_path();
  TempFile tarball{tmpdir / fmt::format("dlenv-bootstrap-{}-{}.tar", suite, random_hex(6))};
  const auto mirror = host::apt_mirror(ctx.settings());
  ctx.progress().phase(result.image, fmt::format("bootstrapping Debian {} from {} with mmdebstrap", suite, mirror));
  SubprocessOptions run;
  run.capture_stdout = true;
  run.capture_stderr = false;
  run.keep_root = true;  // mmdebstrap builds a root file system: it needs root when run as root
  std::string last_lines;
  run.on_stderr_line = [&](std::string_view line) {
    ctx.progress().detail(result.image, line);
    last_lines += std::string(line) + "\n";
    if (last_lines.size() > 4000) last_lines.erase(0, last_lines.size() - 4000);
  };
  std::vector<std::string> argv = {"mmdebstrap", "--variant=minbase", "--include=ca-certificates",
                                   "--format=tar", suite, tarball.path.string(), mirror};
  if (::geteuid() != 0) argv.insert(argv.begin() + 1, "--mode=unshare");
  auto ran = DLENV_TRY(run_process(argv, run));
  if (ran.exit_code != 0)
    return fail(ErrorCode::io, fmt::format("mmdebstrap failed for {} (exit code {})", suite, ran.exit_code),
                fmt::format("check that {} serves '{}' (the apt_mirror setting or DLENV_APT_MIRROR overrides the mirror); its last output:\n{}",
                            mirror, suite, trim(last_lines)));

  ctx.progress().phase(result.image, "importing into the engine");
  std::vector<std::string> changes = {
      "ENV LANG=C.UTF-8",
      "CMD [\"bash\"]",
      fmt::format("LABEL dlenv.managed=1 dlenv.base=debian:{}", suite),
  };
  DLENV_TRY_VOID(backend.import_image(tarball.path, "dlenv/debian", suite, changes,
                                      [&](std::string_view line) { ctx.progress().detail(result.image, line); }));
  auto imported = DLENV_TRY(backend.image_id(result.image));
  if (!imported) return fail(ErrorCode::engine_api, fmt::format("{} is missing after the import", result.image), "try again");
  result.id = *imported;
  result.created = true;
  return result;
}

}  // namespace dlenv::ops
