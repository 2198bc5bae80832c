// Holes found by hostile tests, each closed at its root and kept closed, through the real
// binary and engine: a hostile folder name or label cannot add directives to the ssh client
// config; under sudo, files are read and created with the user's rights; megabyte values are
// errors, not crashes; a failed `up` keeps no ports; `rm` takes the environment's lock and
// can purge; missing and sensitive mount sources are caught before anything is built.
#include <sys/stat.h>

#include <thread>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

const char* kPlain = "[envs.plain]\nbase = \"dlenv/debian:bookworm\"\n";

class HardeningTest : public DlenvTest {};

TEST_F(HardeningTest, AProjectFolderWithANewlineIsRefusedAndWritesNothing) {
  const fs::path evil = root / "p" / "nl\n  ProxyCommand sh -c \"touch /tmp/dlenv-PWNED; nc %h %p\"\n#";
  fs::create_directories(evil);
  write_project(kPlain, evil);
  auto r = dlenv({"up", "--project", evil.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("contains a control character"), std::string::npos) << r.err;
  EXPECT_EQ(sh({"docker", "ps", "-aq", "--filter", "label=dlenv.env=plain", "--filter", "label=dlenv.project=" + evil.string()}).out, "");
}

// A container carrying dlenv's labels, made by hand (any member of the docker group can):
// its project label holds a newline and a ProxyCommand. `dlenv up` of an honest project
// rewrites ~/.ssh/dlenv/config from every environment of the user.
TEST_F(HardeningTest, AHostileLabelCannotAddADirectiveToTheSshConfig) {
  require_root("a home of its own for the ssh config");
  if (stopped()) return;
  const std::string evil_container = "dlenv-evil-" + std::to_string(::getpid());
  const std::string evil_project = "/x\n  ProxyCommand sh -c 'touch /tmp/dlenv-PWNED'\n#";
  auto made = sh({"docker", "create", "--name", evil_container, "--label", "dlenv.managed=1", "--label",
                  "dlenv.owner=" + std::to_string(::getuid()), "--label", "dlenv.env=evil", "--label",
                  "dlenv.project=" + evil_project, "--label", "dlenv.port.ssh=2", "dlenv/debian:bookworm", "true"});
  ASSERT_EQ(made.code, 0) << made.err;
  // Its host key where dlenv looks for it, so the only thing that can keep it out is the check.
  fs::create_directories(home / "secrets" / evil_container);
  write_text(home / "secrets" / evil_container / "ssh_host_ed25519_key.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB evil\n");
  const fs::path fake_home = root / "home";
  fs::create_directories(fake_home);
  write_project(kPlain);
  auto r = dlenv({"up", "--json", "--project", project.string()}, {"HOME=" + fake_home.string()});
  sh({"docker", "rm", "-f", evil_container});
  ASSERT_EQ(r.code, 0) << r.err;
  // dlenv writes the config into the passwd home of the user it acts for (root here).
  const std::string config = read_text(fs::path(::getpwuid(::getuid())->pw_dir) / ".ssh" / "dlenv" / "config");
  ASSERT_FALSE(config.empty());
  for (const auto& line : split_lines(config)) {
    auto first = line.find_first_not_of(' ');
    EXPECT_FALSE(first != std::string::npos && line.compare(first, 12, "ProxyCommand") == 0) << config;
  }
}

TEST_F(HardeningTest, AMegabyteFrameworkIsAConfigErrorNotACrash) {
  write_project("[envs.big]\nframework = \"torch==" + std::string(30000, '1') + "\"\n");
  auto plan = dlenv({"plan", "--project", project.string()});
  EXPECT_EQ(plan.code, 3) << plan.err.substr(0, 300);
  EXPECT_LT(plan.err.size(), 1000u);
  auto flag = dlenv({"plan", "--framework", "torch==" + std::string(30000, '1'), "--json"});
  EXPECT_EQ(flag.code, 2) << flag.err.substr(0, 300);
  write_project("[envs.big]\nbase = \"dlenv/debian:bookworm\"\ngpus = [\"GPU-" + std::string(30000, 'a') + "\"]\n");
  auto up = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(up.code, 3) << up.err.substr(0, 300);
  EXPECT_LT(up.err.size(), 1000u);
}

TEST_F(HardeningTest, PipEntriesCannotAddInstructionsOrOptions) {
  write_project("[envs.pip]\nbase = \"dlenv/debian:bookworm\"\npip = [\"numpy\\nRUN touch /pwned\"]\n");
  auto r = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  write_project("[envs.pip]\nbase = \"dlenv/debian:bookworm\"\npip = [\"--index-url=http://127.0.0.1:9/simple\"]\n");
  r = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("is a pip option"), std::string::npos) << r.err;
}

TEST_F(HardeningTest, MissingAndSensitiveMountSourcesAreCaughtBeforeAnythingIsBuilt) {
  fs::create_directories(project / "data");
  write_project(std::string(kPlain) + "[envs.plain.mounts]\n\"dta\" = \"/data\"\n");
  auto typo = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(typo.code, 3) << typo.err;
  EXPECT_NE(typo.err.find("did you mean " + (project / "data").string()), std::string::npos) << typo.err;
  EXPECT_FALSE(fs::exists(project / "dta")) << "a typo made an empty folder";
  write_project(std::string(kPlain) + "[envs.plain.mounts]\n\"/etc\" = \"/host-etc\"\n");
  auto etc = dlenv({"up", "--project", project.string()});
  EXPECT_EQ(etc.code, 3) << etc.err;
  EXPECT_NE(etc.err.find("it is the system folder /etc"), std::string::npos) << etc.err;
  auto plan = dlenv({"plan", "--json", "--project", project.string()});
  ASSERT_EQ(plan.code, 0) << plan.err;
  auto mounts = json::parse(plan.out)["sensitive_mounts"];
  ASSERT_EQ(mounts.size(), 1u) << plan.out;
  EXPECT_EQ(mounts[0]["host"], "/etc");
  EXPECT_EQ(mounts[0]["refused"], true);
  write_project(std::string(kPlain) + "[envs.plain.mounts]\n\"/etc\" = { target = \"/host-etc\", read_only = true, allow = true }\n");
  auto allowed = dlenv({"up", "--json", "--project", project.string()});
  EXPECT_EQ(allowed.code, 0) << allowed.err;
}

TEST_F(HardeningTest, AFailedCreateKeepsNoPortsAndIncompleteEnvironmentsCanBeRemovedWithoutTheProject) {
  // The engine refuses more CPUs than the machine has when it creates the container.
  write_project(std::string(kPlain) + "cpus = 4000\n");
  auto r = dlenv({"up", "--project", project.string()});
  ASSERT_NE(r.code, 0);
  EXPECT_EQ(ls().size(), 0u) << "a failed up left an environment holding ports";
  write_project(kPlain);
  auto ok = up();
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0]["ports"]["jupyter"], 31000) << "the first port of the range was still leased";
  // A record of an `up` killed before create (what kill -9 leaves): rm --all-incomplete.
  auto container = ok[0]["container"].get<std::string>();
  auto gone = dlenv({"rm", "--purge", container});
  ASSERT_EQ(gone.code, 0) << gone.err;
  EXPECT_FALSE(fs::exists(home / "secrets" / container));
  EXPECT_EQ(dlenv({"rm", "--all-incomplete"}).code, 0);
}

TEST_F(HardeningTest, RmWaitsForARunningUpInsteadOfFailingWithEngineText) {
  write_project(kPlain);
  up();
  write_project(std::string(kPlain) + "shm_size = \"1g\"\n");  // the next up re-creates the container
  Outcome up_result, rm_result;
  std::thread racing_up([&] { up_result = dlenv({"up", "--recreate", "--project", project.string()}); });
  rm_result = dlenv({"rm", "plain", "--project", project.string()});
  racing_up.join();
  EXPECT_EQ(rm_result.code, 0) << rm_result.err;
  for (const auto* o : {&up_result, &rm_result})
    EXPECT_EQ(o->err.find("marked for removal"), std::string::npos) << o->err;
  EXPECT_TRUE(up_result.code == 0 || up_result.err.find("removed while starting") != std::string::npos) << up_result.err;
}

class SudoRightsTest : public UserTest {};

TEST_F(SudoRightsTest, UnderSudoFilesAreReadAndCreatedWithTheUsersRights) {
  give_to_user(root);
  write_project("[envs.viasudo]\nbase = \"dlenv/debian:bookworm\"\n[envs.viasudo.ssh]\nauthorized_keys = \"/etc/shadow\"\n");
  give_to_user(project);
  const std::vector<std::string> sudo = {"SUDO_UID=" + std::to_string(account.uid), "SUDO_GID=" + std::to_string(account.gid),
                                         "SUDO_USER=" + std::string(kUser)};
  auto shadow = dlenv({"up", "--project", project.string()}, sudo);
  EXPECT_NE(shadow.code, 0);
  EXPECT_NE(shadow.err.find("Permission denied"), std::string::npos) << shadow.err;
  auto copied = sh({"grep", "-rl", "root:", (home / "secrets").string()});
  EXPECT_EQ(copied.out, "") << "the shadow file was copied into the user's secrets";
  // A state folder the user may not create is refused, not created by root for them.
  fs::create_directories(root / "root-only");
  ::chmod((root / "root-only").c_str(), 0755);
  sh({"chown", "root:root", (root / "root-only").string()});
  write_project("[envs.viasudo]\nbase = \"dlenv/debian:bookworm\"\n");
  auto r = dlenv({"up", "--project", project.string()}, {sudo[0], sudo[1], sudo[2], "DLENV_HOME=" + (root / "root-only" / "state").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root / "root-only" / "state"));
}

TEST_F(SudoRightsTest, EveryCommandActsForTheSudoUserRemoteAndInitToo) {
  give_to_user(root);
  const std::vector<std::string> sudo = {"SUDO_UID=" + std::to_string(account.uid), "SUDO_GID=" + std::to_string(account.gid),
                                         "SUDO_USER=" + std::string(kUser)};
  // ssh started by `remote` runs as the user: its ProxyCommand writes the uid it ran as.
  const fs::path who = root / "who";
  dlenv({"remote", "nohost.invalid", "--ssh-option", "ProxyCommand=sh -c 'id -u > " + who.string() + "'", "--", "ls"}, sudo);
  EXPECT_EQ(read_text(who), std::to_string(account.uid) + "\n");
  auto option = dlenv({"remote", "--", "-oProxyCommand=true", "ls"}, sudo);
  EXPECT_EQ(option.code, 2) << option.err;
  // init writes the project file as the user, and cannot write where the user cannot.
  auto init = dlenv({"init", (root / "mine").string()}, sudo);
  ASSERT_EQ(init.code, 0) << init.err;
  struct stat st {};
  ASSERT_EQ(::stat((root / "mine" / "dlenv.toml").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, account.uid);
  fs::create_directories(root / "root-only");
  sh({"chown", "root:root", (root / "root-only").string()});
  EXPECT_NE(dlenv({"init", (root / "root-only" / "x").string()}, sudo).code, 0);
  EXPECT_FALSE(fs::exists(root / "root-only" / "x"));
}

}  // namespace
}  // namespace dlenv::itest
