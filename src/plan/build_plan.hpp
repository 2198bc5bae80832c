#pragma once
// The images an environment needs, ordered from the most shared to the least. Each layer's
// tag is its content hash, so identical inputs give the same tag in every project.
#include <optional>
#include <string>
#include <vector>

#include "spec/project_spec.hpp"

namespace dlenv::plan {

// Bump when the rendered recipe of any layer changes meaning: every tag changes with it.
inline constexpr int kRecipeVersion = 1;

enum class LayerKind {
  system,     // base image + system packages + Jupyter (shared by every project on that base)
  framework,  // the resolved framework build from pip (shared by every project on that build)
  project,    // pip packages + requirements file (shared by projects with the same lists)
  user,     // passwd entry and HOME for one uid:gid (one per user and parent)
};

std::string_view to_string(LayerKind kind);

// The user the user layer creates.
struct ImageUser {
  unsigned uid = 0;
  unsigned gid = 0;
  std::string name;
  std::string home;  // absolute path inside the container
};

struct ImageLayer {
  LayerKind kind = LayerKind::system;
  std::string parent;        // the image this one is built FROM (a tag, or the base reference)
  std::string content_hash;  // sha256 of the inputs below, the parent's identity and kRecipeVersion
  std::string tag;           // "dlenv/<kind>:<first 16 hex of content_hash>"

  // system
  std::vector<std::string> apt;
  bool jupyter = true;
  spec::JupyterUi jupyter_ui = spec::JupyterUi::best;  // best: the build chooses from the base's packages
  // framework (pip packages and the indexes they come from); project
  std::vector<std::string> index_urls;
  std::vector<std::string> find_links;  // pip --find-links pages (old PyTorch wheels)
  std::vector<std::string> pip;
  std::optional<std::string> requirements_text;  // file content, copied into the build context
  // user
  ImageUser user;
};

struct BuildPlan {
  std::vector<ImageLayer> layers;  // in build order; each one's parent is the one before
  const std::string& final_image() const { return layers.back().tag; }
};

}  // namespace dlenv::plan
