#pragma once
// The data files of data/compat/, compiled into dlenv_compat. Internal to compat: the .cpp
// that defines embedded_files() is generated at build time by cmake/embed_compat_data.cmake.
#include <span>
#include <string_view>

namespace dlenv::compat::detail {

struct EmbeddedFile {
  std::string_view stem;  // "cuda" for data/compat/cuda.json
  std::string_view text;  // the file's bytes
};

// Every data/compat/*.json, sorted by file name.
std::span<const EmbeddedFile> embedded_files();

}  // namespace dlenv::compat::detail
