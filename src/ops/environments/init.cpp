#include "ops/environments/init.hpp"

#include <fmt/format.h>

#include "spec/loader.hpp"
#include "util/files.hpp"

namespace dlenv::ops {

Result<std::filesystem::path> init(const InitOptions& options) {
  auto dir = std::filesystem::absolute(options.dir.empty() ? std::filesystem::current_path() : options.dir).lexically_normal();
  auto file = dir / spec::kProjectFileName;
  std::string name = options.name.empty() ? spec::env_name_from_folder(dir.filename().string()) : options.name;
  if (!spec::is_valid_image_reference(options.base))
    return fail(ErrorCode::usage, fmt::format("'{}' is not a valid image reference", options.base),
                "use a reference like dlenv/debian:bookworm or nvidia/cuda:12.4.1-runtime-ubuntu22.04");
  if (std::filesystem::exists(file) && !options.force)
    return fail(ErrorCode::conflict, fmt::format("{} already exists", file.string()), "pass --force to overwrite it");
  std::string text = spec::init_template(name, options.base);
  // The template must describe a valid project: check before writing anything.
  auto parsed = spec::parse_project(text, file);
  if (!parsed) return fail(std::move(parsed.error()).while_("while checking the generated dlenv.toml"));
  DLENV_TRY_VOID(make_dirs(dir));
  DLENV_TRY_VOID(write_file_atomic(file, text, 0644));
  return file;
}

}  // namespace dlenv::ops
