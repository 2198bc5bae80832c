#include "compat/jupyter_uis.hpp"

#include <array>

namespace dlenv::compat {
namespace {

struct Release {
  std::string_view name;
  std::string_view number;
  bool lab;
  bool notebook;
  std::string_view note;
};

// Source: the Debian archive's Packages indexes for each release (main, amd64), read 2026-12-02.
constexpr std::array<Release, 3> kReleases = {{
    {"bullseye", "11", false, true,
     "Debian bullseye packages the classic notebook 6.2.0 (python3-notebook), ipywidgets 6.0.0; no JupyterLab"},
    {"bookworm", "12", false, true,
     "Debian bookworm packages nbclassic 0.3.2 on jupyter-server 1.23.3, notebook 6.4.12, ipywidgets 6.0.0; no JupyterLab"},
    {"trixie", "13", true, true,
     "Debian trixie packages JupyterLab 4.0.11 on jupyter-server 2.15.0, nbclassic 0.3.2, ipywidgets 8.1.5"},
}};

}  // namespace

std::optional<PackagedJupyter> packaged_jupyter(std::string_view base_image) {
  const auto colon = base_image.rfind(':');
  if (colon == std::string_view::npos || base_image.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view name = base_image.substr(0, colon);
  for (std::string_view prefix : {"docker.io/library/", "docker.io/", "library/"})
    if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  if (name != "debian" && name != "dlenv/debian") return std::nullopt;
  std::string_view tag = base_image.substr(colon + 1);
  tag = tag.substr(0, tag.find('-'));  // "bookworm-slim" -> "bookworm", "12-slim" -> "12"
  for (const auto& r : kReleases)
    if (tag == r.name || tag == r.number || tag.starts_with(std::string(r.number) + "."))
      return PackagedJupyter{std::string(r.name), r.lab, r.notebook, std::string(r.note)};
  return std::nullopt;
}

}  // namespace dlenv::compat
