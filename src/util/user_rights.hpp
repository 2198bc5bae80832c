#pragma once
// Acting for a sudo user. dlenv run through sudo is root (it may need the engine's socket),
// but whatever it reads or creates on the user's behalf (the project file, requirements,
// authorized keys, mount sources, DLENV_HOME, ~/.ssh) must be read and created with the
// user's rights: /etc/shadow named as a key file is then unreadable, and a folder under /opt
// cannot be created, exactly as for the user.
//
// Mechanism: Linux's file-system identity (setfsuid/setfsgid, per thread, inherited by
// threads created later) plus the user's supplementary groups. The effective uid stays 0,
// so a RootFileAccess scope can take root's file access back where dlenv needs it (the
// engine's socket). Programs started meanwhile run as root unless SubprocessOptions::as_user
// says otherwise (exec resets the file-system identity).
#include <sys/types.h>

#include <string>
#include <vector>

#include "util/error.hpp"

namespace dlenv {

struct UserRights {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, from the group database
};

// The rights of `name` (uid, gid and its groups).
Result<UserRights> rights_of(const std::string& name, uid_t uid, gid_t gid);

// From now on, file access in this thread (and threads it starts) uses `rights`. Only
// meaningful when running as root; an error when the kernel refuses.
Status act_with_rights(const UserRights& rights);

// The rights file access uses now, when act_with_rights switched them; nullopt otherwise.
const UserRights* acting_rights();

// Root's file access for a scope (nothing happens when no user's rights are in force).
class RootFileAccess {
 public:
  RootFileAccess();
  ~RootFileAccess();
  RootFileAccess(const RootFileAccess&) = delete;
  RootFileAccess& operator=(const RootFileAccess&) = delete;

 private:
  bool switched_ = false;
};

}  // namespace dlenv
