#include "engine/build_context.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>
#include <set>

#include "util/text.hpp"

namespace dlenv::engine::detail {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append_to_string(archive*, void* user, const void* data, size_t size) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(data), size);
  return static_cast<la_ssize_t>(size);
}

bool is_safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

Error archive_failure(archive* a, const std::string& what) {
  const char* reason = archive_error_string(a);
  return Error(ErrorCode::internal, fmt::format("cannot build the build context ({}): {}", what,
                                                reason ? reason : "unknown libarchive error"));
}

}  // namespace

Result<std::string> make_build_context(const std::vector<BuildFile>& files) {
  // Directories first (each once), then files, in the caller's order.
  std::set<std::string> directories;
  std::vector<std::string> directory_order;
  for (const auto& file : files) {
    if (!is_safe_relative_path(file.path)) {
      return fail(ErrorCode::internal, fmt::format("invalid build context path '{}'", file.path),
                  "build context paths are relative, '/' separated, without '.' or '..' parts");
    }
    const auto parts = split(file.path, '/');
    std::string prefix;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      prefix += (i ? "/" : "") + parts[i];
      if (directories.insert(prefix).second) directory_order.push_back(prefix);
    }
  }

  std::string tar;
  std::unique_ptr<archive, ArchiveDeleter> writer(archive_write_new());
  if (!writer) return fail(ErrorCode::internal, "cannot build the build context: archive_write_new failed");
  archive_write_set_format_pax_restricted(writer.get());
  archive_write_set_bytes_in_last_block(writer.get(), 1);
  if (archive_write_open(writer.get(), &tar, nullptr, append_to_string, nullptr) != ARCHIVE_OK) {
    return fail(archive_failure(writer.get(), "open"));
  }

  auto write_entry = [&](const std::string& path, mode_t type, uint32_t mode, const std::string* content) -> Status {
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), mode & 07777);
    archive_entry_set_size(entry.get(), content ? static_cast<la_int64_t>(content->size()) : 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
      return fail(archive_failure(writer.get(), path));
    }
    if (content && !content->empty() &&
        archive_write_data(writer.get(), content->data(), content->size()) != static_cast<la_ssize_t>(content->size())) {
      return fail(archive_failure(writer.get(), path));
    }
    return {};
  };

  for (const auto& directory : directory_order) DLENV_TRY_VOID(write_entry(directory, AE_IFDIR, 0755, nullptr));
  for (const auto& file : files) DLENV_TRY_VOID(write_entry(file.path, AE_IFREG, file.mode, &file.content));
  if (archive_write_close(writer.get()) != ARCHIVE_OK) return fail(archive_failure(writer.get(), "close"));
  return tar;
}

}  // namespace dlenv::engine::detail
