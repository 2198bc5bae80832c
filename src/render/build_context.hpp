#pragma once
// Pure text: the build context (Dockerfile and the files it copies) of one image layer.
// Same layer in, same bytes out: golden tests pin the output.
#include <cstdint>
#include <string>
#include <vector>

#include "plan/build_plan.hpp"
#include "util/error.hpp"

namespace dlenv::render {

struct RenderedFile {
  std::string path;  // relative to the context root
  std::string content;
  uint32_t mode = 0644;
};

struct BuildContext {
  std::vector<RenderedFile> files;  // "Dockerfile" first
  const std::string& dockerfile() const { return files.front().content; }
};

// config error when a value of the layer holds a control character: in a Dockerfile a
// newline ends the instruction, so it would add one.
Result<BuildContext> render_layer(const plan::ImageLayer& layer);

}  // namespace dlenv::render
