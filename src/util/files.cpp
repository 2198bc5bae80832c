#include "util/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace dlenv {
namespace {

// What to do about a failed write or create of `path` (errno `e`).
std::string write_hint(const std::filesystem::path& path, int e) {
  const std::string dir = path.parent_path().string();
  switch (e) {
    case EACCES:
    case EPERM:
      return fmt::format("you may not write in {}; check its owner and mode with 'ls -ld {}'", dir, dir);
    case ENOSPC:
    case EDQUOT: return fmt::format("the disk holding {} is full: free some space ('df -h {}')", dir, dir);
    case EROFS: return fmt::format("{} is on a read-only file system; choose another location", dir);
    case ENOTDIR: return fmt::format("a part of {} is a file, not a folder", dir);
    default: return fmt::format("check {}", dir);
  }
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int e = errno;
    if (e == ENOENT) return fail(ErrorCode::not_found, fmt::format("{} does not exist", path.string()), "check the path");
    return fail(ErrorCode::io, fmt::format("cannot read {}: {}", path.string(), std::strerror(e)),
                e == EACCES ? "you may not read it; check its owner and mode with 'ls -l'" : "check the file");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode) {
  auto tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    int e = errno;
    return fail(ErrorCode::io, fmt::format("cannot write {}: {}", tmp.string(), std::strerror(e)), write_hint(path, e));
  }
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(ErrorCode::io, fmt::format("cannot write {}: {}", tmp.string(), std::strerror(e)), write_hint(path, e));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(ErrorCode::io, fmt::format("cannot replace {}: {}", path.string(), std::strerror(e)), write_hint(path, e));
  }
  return {};
}

Status make_dirs(const std::filesystem::path& dir, mode_t mode, std::optional<std::pair<uid_t, gid_t>> owner) {
  std::filesystem::path cur;
  for (const auto& part : dir) {
    cur /= part;
    if (cur.empty() || cur == "/") continue;
    struct stat st{};
    if (::stat(cur.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        return fail(ErrorCode::io, fmt::format("{} exists and is not a directory", cur.string()),
                    "move the file away, or choose another location");
      continue;
    }
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) {
      int e = errno;
      return fail(ErrorCode::io, fmt::format("cannot create {}: {}", cur.string(), std::strerror(e)), write_hint(cur, e));
    }
    if (owner && ::chown(cur.c_str(), owner->first, owner->second) != 0) {
      int e = errno;
      return fail(ErrorCode::io, fmt::format("cannot chown {}: {}", cur.string(), std::strerror(e)), write_hint(cur, e));
    }
  }
  return {};
}

std::optional<int64_t> directory_bytes(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return std::nullopt;
  int64_t total = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec) && !it->is_symlink(entry_ec)) {
      const auto size = it->file_size(entry_ec);
      if (!entry_ec) total += static_cast<int64_t>(size);
    }
  }
  return total;
}

}  // namespace dlenv
