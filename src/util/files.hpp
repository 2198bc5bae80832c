#pragma once
// File helpers: whole-file reads, atomic writes with a mode, directories with an owner.
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

#include "util/error.hpp"

namespace dlenv {

Result<std::string> read_file(const std::filesystem::path& path);

// Writes to a temporary file beside `path` with `mode`, fsyncs, then renames over it.
// Readers never see a partial file.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644);

// Creates `dir` and missing parents with `mode`. When `owner` is given (uid, gid), directories
// this call creates are chowned to it (used when running through sudo).
Status make_dirs(const std::filesystem::path& dir, mode_t mode = 0755,
                 std::optional<std::pair<uid_t, gid_t>> owner = std::nullopt);

// Bytes of the regular files under `dir` (symlinks not followed, unreadable parts skipped);
// nullopt when `dir` is not a directory.
std::optional<int64_t> directory_bytes(const std::filesystem::path& dir);

}  // namespace dlenv
