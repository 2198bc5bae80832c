// SSH into environments with the real OpenSSH client, as the ordinary user who ran dlenv:
// key login works; passwords and root are refused; sshd -T shows the hardened settings; the
// host key survives rm + up; scp and sftp work; ssh-config --install is idempotent.
#include "harness.hpp"

namespace dlenv::itest {
namespace {

class SshTest : public UserTest {
 protected:
  void SetUp() override {
    UserTest::SetUp();
    if (IsSkipped() || !ready()) return;
    ::chmod(root.c_str(), 0777);
    write_project("[envs.remote]\nbase = \"dlenv/debian:bookworm\"\njupyter = false\n");
    give_to_user(root);
    run_as = kUser;
    port_range = "37000-37099";
  }
  std::string user_home() const { return ::getpwnam(kUser)->pw_dir; }
  std::string config() const { return user_home() + "/.ssh/dlenv/config"; }
  // Runs a program as the test user.
  Outcome as_user(std::vector<std::string> argv, std::string input = {}) {
    argv.insert(argv.begin(), {"runuser", "-u", kUser, "--"});
    return sh(argv, std::move(input));
  }
  std::string host_key(int port) {
    auto scan = sh({"ssh-keyscan", "-t", "ed25519", "-p", std::to_string(port), "127.0.0.1"});
    auto parts = split_lines(scan.out);
    return parts.empty() ? "" : parts.back().substr(parts.back().find(' ') + 1);
  }
};

TEST_F(SshTest, KeyLoginWorksAsTheUserAndPasswordsAndRootAreRefused) {
  auto e = up().at(0);
  ASSERT_TRUE(e["ports"].contains("ssh")) << e.dump();
  auto r = dlenv({"ssh", "remote", "--project", project.string(), "--", "id", "-u"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(account.uid) + "\n");
  auto password = as_user({"ssh", "-F", config(), "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no", "-o",
                           "PreferredAuthentications=password,keyboard-interactive", "dlenv-remote", "true"});
  EXPECT_EQ(password.code, 255);
  EXPECT_NE(password.err.find("Permission denied"), std::string::npos) << password.err;
  auto as_root = as_user({"ssh", "-F", config(), "-o", "BatchMode=yes", "-l", "root", "dlenv-remote", "true"});
  EXPECT_EQ(as_root.code, 255) << as_root.out;
  // The published port is loopback only.
  auto bindings = sh({"docker", "inspect", "-f", "{{json .HostConfig.PortBindings}}", e["container"]});
  EXPECT_EQ(json::parse(bindings.out)["2222/tcp"][0]["HostIp"], "127.0.0.1");
}

TEST_F(SshTest, SshdRunsAsTheUserWithTheHardenedSettings) {
  up();
  auto t = dlenv({"exec", "remote", "--project", project.string(), "--", "/usr/sbin/sshd", "-T", "-f", "/etc/dlenv/sshd_config",
                  "-o", std::string("AllowUsers=") + kUser});
  ASSERT_EQ(t.code, 0) << t.err;
  for (const char* line : {"passwordauthentication no", "permitrootlogin no", "permitemptypasswords no", "kbdinteractiveauthentication no",
                           "allowtcpforwarding local", "x11forwarding no", "subsystem sftp /usr/lib/openssh/sftp-server", "port 2222",
                           "permituserenvironment yes", "forcecommand /usr/local/bin/dlenv-session",
                           "pubkeyauthentication yes"})
    EXPECT_NE(t.out.find(std::string(line) + "\n"), std::string::npos) << line;
  auto ps = dlenv({"exec", "remote", "--project", project.string(), "--", "sh", "-c", "ps -o user= -C sshd 2>/dev/null || stat -c %U /proc/1"});
  EXPECT_EQ(ps.out.find("root"), std::string::npos) << ps.out;
}

// VS Code terminals and debug sessions see what `dlenv exec` sees: the caches, the project's
// [env], and the workdir, for commands and login shells alike.
TEST_F(SshTest, SessionsGetTheEnvironmentAndStartInTheWorkdir) {
  write_project("[envs.remote]\nbase = \"dlenv/debian:bookworm\"\njupyter = false\n[envs.remote.env]\nMY_VAR = \"from dlenv.toml\"\n");
  up();
  auto command = dlenv({"ssh", "remote", "--project", project.string(), "--", "echo \"$HF_HOME|$MY_VAR|$(pwd)\""});
  ASSERT_EQ(command.code, 0) << command.err;
  EXPECT_EQ(command.out, "/dlenv/cache/huggingface|from dlenv.toml|/workspace\n");
  auto login = as_user({"ssh", "-F", config(), "-o", "BatchMode=yes", "-tt", "dlenv-remote"}, "echo \"[$PIP_CACHE_DIR|$(pwd)]\"; exit\n");
  EXPECT_NE(login.out.find("[/dlenv/cache/pip|/workspace]"), std::string::npos) << login.out << login.err;
}

// What VS Code's server and the user leave in ~ over SSH is there after rm + up (a new
// container), in a home only the user can read on the host.
TEST_F(SshTest, TheHomeSurvivesRmAndUp) {
  auto first = up().at(0);
  auto wrote = dlenv({"ssh", "remote", "--project", project.string(), "--",
                      "mkdir -p ~/.vscode-server/bin && echo 1 > ~/.vscode-server/bin/marker && echo 'ls' >> ~/.bash_history"});
  ASSERT_EQ(wrote.code, 0) << wrote.err;
  ASSERT_EQ(dlenv({"rm", "remote", "--project", project.string()}).code, 0);
  auto second = up().at(0);
  EXPECT_NE(second["container_id"], first["container_id"]);
  auto read = dlenv({"ssh", "remote", "--project", project.string(), "--", "cat ~/.vscode-server/bin/marker ~/.bash_history; id -u"});
  EXPECT_EQ(read.out, "1\nls\n" + std::to_string(account.uid) + "\n") << read.err;
  const fs::path kept = ls().at(0)["home"]["path"].get<std::string>();
  struct stat st {};
  ASSERT_EQ(::stat(kept.c_str(), &st), 0) << kept;
  EXPECT_EQ(st.st_uid, account.uid);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(SshTest, TheHostKeySurvivesRmAndUp) {
  auto first = up().at(0);
  std::string before = host_key(first["ports"]["ssh"]);
  ASSERT_FALSE(before.empty());
  ASSERT_EQ(dlenv({"rm", "remote", "--project", project.string()}).code, 0);
  auto second = up().at(0);
  EXPECT_NE(first["container_id"], second["container_id"]);
  EXPECT_EQ(host_key(second["ports"]["ssh"]), before);
  // And the client config trusts it without prompting.
  auto r = dlenv({"ssh", "remote", "--project", project.string(), "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
}

// A key the user adds after `up` is let in once `dlenv up` runs again, without re-creating the
// container (sshd reads the authorized keys at each login, from the mounted secrets).
TEST_F(SshTest, AKeyAddedAfterUpWorksAfterAnotherUpInPlace) {
  auto first = up().at(0);
  const std::string key = user_home() + "/.ssh/laptop_ed25519";
  sh({"rm", "-f", key, key + ".pub"});  // the test user's home outlives a test
  ASSERT_EQ(as_user({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}).code, 0);
  // Only that key (not ~/.ssh/dlenv/config, whose IdentityFile is dlenv's own identity).
  auto with_new_key = [&] {
    return as_user({"ssh", "-F", "/dev/null", "-p", std::to_string(int(first["ports"]["ssh"])), "-o", "BatchMode=yes", "-o",
                    "IdentitiesOnly=yes", "-i", key, "-o", "HostKeyAlias=" + std::string(first["container"]), "-o",
                    "UserKnownHostsFile=" + user_home() + "/.ssh/dlenv/known_hosts", "-o", "StrictHostKeyChecking=yes",
                    std::string(kUser) + "@127.0.0.1", "true"});
  };
  EXPECT_EQ(with_new_key().code, 255) << "not yet known to the environment";
  auto second = up().at(0);
  EXPECT_EQ(second["container_id"], first["container_id"]) << "refreshed in place";
  auto after = with_new_key();
  EXPECT_EQ(after.code, 0) << after.err;
}

TEST_F(SshTest, ScpAndSftpWork) {
  up();
  fs::path local = root / "upload.txt";
  write_text(local, "sent over scp\n");
  sh({"chown", std::to_string(account.uid), local.string()});
  auto scp = as_user({"scp", "-F", config(), "-q", local.string(), "dlenv-remote:/workspace/uploaded.txt"});
  ASSERT_EQ(scp.code, 0) << scp.err;
  EXPECT_EQ(read_text(project / "uploaded.txt"), "sent over scp\n");
  struct stat st {};
  ASSERT_EQ(::stat((project / "uploaded.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, account.uid);
  auto sftp = as_user({"sftp", "-F", config(), "-b", "-", "dlenv-remote"}, "ls /workspace\n");
  ASSERT_EQ(sftp.code, 0) << sftp.err;
  EXPECT_NE(sftp.out.find("uploaded.txt"), std::string::npos) << sftp.out;
}

TEST_F(SshTest, SshConfigInstallAddsOneIncludeLine) {
  up();
  fs::path user_config = fs::path(user_home()) / ".ssh" / "config";
  fs::remove(user_config);
  for (int i = 0; i < 2; ++i) {
    auto r = dlenv({"ssh-config", "--install"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, config() + "\n");
  }
  auto text = read_text(user_config);
  std::string include = "Include " + config();
  EXPECT_NE(text.find(include), std::string::npos) << text;
  EXPECT_EQ(text.find(include), text.rfind(include)) << "added twice:\n" << text;
  // Plain `ssh dlenv-remote` now works through ~/.ssh/config.
  auto r = as_user({"ssh", "-o", "BatchMode=yes", "dlenv-remote", "echo", "via-include"});
  EXPECT_EQ(r.out, "via-include\n") << r.err;
  fs::remove(user_config);
}

}  // namespace
}  // namespace dlenv::itest
