#include "util/user_rights.hpp"

#include <grp.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace dlenv {
namespace {

// Set once, on the main thread, before any other thread starts.
std::optional<UserRights> g_rights;

// setfsuid reports the previous value, not success: check by asking again (-1 is invalid
// and only queries).
bool fs_identity_is(uid_t uid, gid_t gid) {
  return static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) == uid &&
         static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) == gid;
}

}  // namespace

Result<UserRights> rights_of(const std::string& name, uid_t uid, gid_t gid) {
  UserRights rights{uid, gid, {}};
  int count = 64;
  for (int attempt = 0; attempt < 4; ++attempt) {
    rights.groups.resize(static_cast<size_t>(count));
    int n = count;
    if (::getgrouplist(name.c_str(), gid, rights.groups.data(), &n) >= 0) {
      rights.groups.resize(static_cast<size_t>(n));
      return rights;
    }
    count = n > count ? n : count * 2;
  }
  rights.groups = {gid};
  return rights;
}

Status act_with_rights(const UserRights& rights) {
  if (::setgroups(rights.groups.size(), rights.groups.data()) != 0)
    return fail(ErrorCode::internal, fmt::format("cannot take the groups of uid {}: {}", rights.uid, std::strerror(errno)),
                "run dlenv as that user instead of through sudo");
  ::setfsgid(rights.gid);
  ::setfsuid(rights.uid);
  if (!fs_identity_is(rights.uid, rights.gid))
    return fail(ErrorCode::internal, fmt::format("cannot act with the file rights of uid {}", rights.uid),
                "run dlenv as that user instead of through sudo");
  g_rights = rights;
  return {};
}

const UserRights* acting_rights() { return g_rights ? &*g_rights : nullptr; }

RootFileAccess::RootFileAccess() {
  if (!g_rights) return;
  ::setfsuid(0);
  ::setfsgid(0);
  switched_ = true;
}

RootFileAccess::~RootFileAccess() {
  if (!switched_) return;
  ::setfsgid(g_rights->gid);
  ::setfsuid(g_rights->uid);
}

}  // namespace dlenv
