// The user's files stay the user's: an ordinary (non-root) user runs dlenv, and what the
// container writes into the project and the caches is theirs on the host. Through sudo
// (SUDO_UID/SUDO_GID), the same holds for the sudo user.
#include <sys/stat.h>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

class OwnershipTest : public UserTest {};

TEST_F(OwnershipTest, FilesWrittenInsideBelongToTheOrdinaryUserWhoRanDlenv) {
  give_to_user(root);
  write_project("[envs.mine]\nbase = \"dlenv/debian:bookworm\"\n");
  give_to_user(project);
  run_as = kUser;
  auto envs = up();
  ASSERT_EQ(envs.size(), 1u);
  EXPECT_EQ(envs[0]["user"]["uid"], account.uid);
  auto r = dlenv({"exec", "mine", "--project", project.string(), "--", "sh", "-c",
                  "id -u; echo $HOME; touch $HOME/ok; echo data > /workspace/written.txt; mkdir -p /workspace/sub; "
                  "echo x > /dlenv/cache/huggingface/model.bin; sudo true 2>/dev/null && echo sudo-worked || echo no-sudo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(account.uid) + "\n/home/" + kUser + "\nno-sudo\n");
  struct stat st {};
  for (const fs::path& p : {project / "written.txt", project / "sub", cache / "huggingface" / "model.bin", cache / "pip",
                            home / "state.db"}) {
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, account.uid) << p;
    EXPECT_EQ(st.st_gid, account.gid) << p;
  }
  auto passwd = dlenv({"exec", "mine", "--project", project.string(), "--", "sh", "-c", "getent passwd $(id -u)"});
  EXPECT_EQ(passwd.out.substr(0, std::string(kUser).size() + 1), std::string(kUser) + ":") << passwd.out;
}

TEST_F(OwnershipTest, ThroughSudoTheSudoUserOwnsTheFiles) {
  // The user's own folders, as ~/.local/share/dlenv and ~/.cache are: dlenv creates in them
  // with the user's rights under sudo.
  give_to_user(root);
  write_project("[envs.viasudo]\nbase = \"dlenv/debian:bookworm\"\n");
  give_to_user(project);
  // What sudo sets for the command it runs as root.
  auto r = dlenv({"up", "--json", "--project", project.string()},
                 {"SUDO_UID=" + std::to_string(account.uid), "SUDO_GID=" + std::to_string(account.gid), "SUDO_USER=" + std::string(kUser)});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["user"]["uid"], account.uid);
  auto w = dlenv({"exec", "viasudo", "--project", project.string(), "--", "sh", "-c", "echo hi > /workspace/by-sudo.txt"},
                 {"SUDO_UID=" + std::to_string(account.uid), "SUDO_GID=" + std::to_string(account.gid)});
  ASSERT_EQ(w.code, 0) << w.err;
  struct stat st {};
  for (const fs::path& p : {project / "by-sudo.txt", home / "state.db", home / "secrets", cache / "torch"}) {
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, account.uid) << p;
  }
}

}  // namespace
}  // namespace dlenv::itest

namespace dlenv::itest {
namespace {

class SocketPermissionTest : public DlenvTest {};

TEST_F(SocketPermissionTest, AUserWithoutAccessToTheSocketIsToldWhichSocketAndWhatToDo) {
  require_root("switching users");
  if (stopped()) return;
  run_as = "nobody";
  ::chmod(root.c_str(), 0777);
  auto r = dlenv({"ls"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("unix:///var/run/docker.sock"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: run dlenv with sudo"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dlenv::itest
