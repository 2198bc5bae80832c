#pragma once
// Which Jupyter front ends a base image can have from its own packages, when dlenv knows the
// base (the Debian releases it bootstraps). Pure knowledge: no engine.
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::compat {

struct PackagedJupyter {
  std::string release;  // "bookworm"
  bool lab = false;     // JupyterLab (Debian's jupyterlab)
  bool notebook = false;  // the classic notebook (python3-nbclassic, or python3-notebook alone)
  std::string note;     // what the packages are, for plan notes
};

// The Debian release a base image reference names ("dlenv/debian:bookworm", "debian:12-slim"),
// with what it packages; nullopt for other images (Jupyter then comes from pip, or the build
// decides from the image's own packages).
std::optional<PackagedJupyter> packaged_jupyter(std::string_view base_image);

}  // namespace dlenv::compat
