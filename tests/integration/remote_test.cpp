// From a laptop: `dlenv remote` runs dlenv on a server over SSH, `dlenv tunnel` forwards an
// environment's ports here. An sshd on this machine's loopback, for the ordinary test user,
// stands in for the server; the same user is the laptop.
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "harness.hpp"
#include "util/loopback.hpp"

namespace dlenv::itest {
namespace {

class RemoteTest : public UserTest {
 protected:
  void SetUp() override {
    UserTest::SetUp();
    if (IsSkipped() || !ready()) return;
    if (!find_program("/usr/sbin/sshd")) DLENV_SKIP_OUTSIDE_CI("no /usr/sbin/sshd (scripts/dev-setup.sh installs openssh-server)");
    sh({"usermod", "-p", "*", kUser});  // useradd locks the account ("!"), and sshd refuses locked accounts
    ::chmod(root.c_str(), 0755);
    home = ::getpwnam(kUser)->pw_dir;
    // The laptop's key, authorized on the server.
    if (!fs::exists(home / ".ssh/id_ed25519"))
      as_user({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (home / ".ssh/id_ed25519").string()});
    as_user({"sh", "-c", "cat ~/.ssh/id_ed25519.pub >> ~/.ssh/authorized_keys; sort -u -o ~/.ssh/authorized_keys ~/.ssh/authorized_keys; chmod 600 ~/.ssh/authorized_keys"});
    start_server();
    // The server's dlenv, with this test's state.
    write_text(root / "server-dlenv",
               "#!/bin/sh\nexec env DLENV_HOME=" + (root / "state").string() + " DLENV_CACHE_HOME=" + (root / "cache").string() +
                   " DLENV_PORT_RANGE=37100-37199 " + DLENV_BINARY + " \"$@\"\n");
    ::chmod((root / "server-dlenv").c_str(), 0755);
    write_project("[envs.tunneled" + std::to_string(::getpid()) + "]\nbase = \"dlenv/debian:bookworm\"\n");
    give_to_user(root);
    run_as = kUser;
  }
  void TearDown() override {
    if (server_pid > 0) {
      ::kill(server_pid, SIGTERM);
      ::waitpid(server_pid, nullptr, 0);
    }
    DlenvTest::TearDown();
  }
  Outcome as_user(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"runuser", "-u", kUser, "--"});
    return sh(argv);
  }
  void start_server() {
    fs::path dir = root / "sshd";
    fs::create_directories(dir);
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory (made by its service, which is not running)
    sh({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir / "host_key").string()});
    for (port = 2299; port < 2400 && !dlenv::can_bind_loopback(port); ++port) {
    }
    write_text(dir / "sshd_config", "ListenAddress 127.0.0.1\nPort " + std::to_string(port) + "\nHostKey " + (dir / "host_key").string() +
                                        "\nPidFile " + (dir / "pid").string() +
                                        "\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nAllowUsers " + kUser +
                                        "\nAllowTcpForwarding yes\n");
    server_pid = ::fork();
    if (server_pid == 0) {
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", (dir / "sshd_config").c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 100 && dlenv::can_bind_loopback(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_FALSE(dlenv::can_bind_loopback(port)) << "the stand-in server's sshd did not start";
  }
  std::vector<std::string> server_args() {
    return {"--dlenv", (root / "server-dlenv").string(), "--ssh-option", "Port=" + std::to_string(port), "--ssh-option",
            "StrictHostKeyChecking=no", "--ssh-option", "UserKnownHostsFile=/dev/null", "--ssh-option", "BatchMode=yes",
            "--ssh-option", "LogLevel=ERROR"};
  }
  std::string env_name() const { return "tunneled" + std::to_string(::getpid()); }
  std::string destination() const { return std::string(kUser) + "@127.0.0.1"; }

  fs::path home;
  int port = 0;
  pid_t server_pid = -1;
};

TEST_F(RemoteTest, RemoteUpThenATunnelServesJupyterAndSshHereAndSurvivesADrop) {
  std::vector<std::string> up_args = {"remote", destination()};
  for (auto& a : server_args()) up_args.push_back(a);
  for (auto a : {"--", "up", "--json", "--project"}) up_args.push_back(a);
  up_args.push_back(project.string());
  auto remote_up = dlenv(up_args);
  ASSERT_EQ(remote_up.code, 0) << remote_up.err;
  auto server_env = json::parse(split_lines(remote_up.out).back());
  EXPECT_EQ(server_env["state"], "running");

  // The tunnel, as the user, in the background.
  fs::path out = root / "tunnel.out", err = root / "tunnel.err";
  std::vector<std::string> argv = {"runuser", "-u", kUser, "--", "env", "DLENV_HOME=" + (root / "laptop").string(), DLENV_BINARY,
                                   "tunnel", destination(), env_name()};
  for (auto& a : server_args()) argv.push_back(a);
  pid_t tunnel = ::fork();
  if (tunnel == 0) {
    ::setpgid(0, 0);
    FILE* o = std::fopen(out.c_str(), "w");
    FILE* e = std::fopen(err.c_str(), "w");
    ::dup2(fileno(o), 1);
    ::dup2(fileno(e), 2);
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    ::execvp(c[0], c.data());
    ::_exit(127);
  }
  std::string url;
  for (int i = 0; i < 300 && url.empty(); ++i) {
    for (const auto& line : split_lines(read_text(out)))
      if (line.rfind("Jupyter: ", 0) == 0) url = line.substr(9);
    if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(url.empty()) << read_text(out) << read_text(err);
  std::string token = url.substr(url.find("token=") + 6);
  std::string status_url = jupyter_base(url) + "api/status";
  EXPECT_EQ(http_status(status_url, {"Authorization: token " + token}), 200) << url;
  EXPECT_NE(url.find("127.0.0.1"), std::string::npos);
  auto printed = read_text(out);
  EXPECT_NE(printed.find("Host dlenv-" + env_name()), std::string::npos) << printed;
  // The server's sshd is not on port 22: the jump names its port, so the block works as printed.
  EXPECT_NE(printed.find("ProxyJump " + destination() + ":" + std::to_string(port)), std::string::npos) << printed;
  {
    // VS Code's path: the printed block in an ssh config (plus how to trust this stand-in server).
    std::string block = printed.substr(printed.find("Host dlenv-"));
    fs::path config = home / "vscode-ssh-config";
    write_text(config, block + "\nHost 127.0.0.1\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n");
    sh({"chown", std::to_string(account.uid), config.string()});
    auto through = as_user({"ssh", "-F", config.string(), "-o", "BatchMode=yes", "dlenv-" + env_name(), "id", "-u"});
    EXPECT_EQ(through.out, std::to_string(account.uid) + "\n") << through.err << "\n" << block;
  }

  // SSH through the forwarded port reaches the container as the user, with the host key dlenv recorded.
  std::string ssh_line;
  for (const auto& line : split_lines(printed))
    if (line.rfind("ssh:", 0) == 0) ssh_line = line;
  ASSERT_FALSE(ssh_line.empty()) << printed;
  std::string local_ssh = ssh_line.substr(ssh_line.find("127.0.0.1:") + 10);
  local_ssh = local_ssh.substr(0, local_ssh.find(' '));
  // The known hosts file of this server, as the printed Host block names it.
  std::string known_hosts;
  for (const auto& line : split_lines(printed))
    if (auto at = line.find("UserKnownHostsFile "); at != std::string::npos) known_hosts = line.substr(at + 19);
  EXPECT_NE(known_hosts.find((home / ".ssh/dlenv/known_hosts.remote-").string()), std::string::npos) << printed;
  auto in_container = as_user({"ssh", "-p", local_ssh, "-o", "BatchMode=yes", "-o", "HostKeyAlias=" + std::string(server_env["container"]),
                               "-o", "UserKnownHostsFile=" + known_hosts, "-o",
                               "StrictHostKeyChecking=yes", std::string(kUser) + "@127.0.0.1", "id", "-u"});
  EXPECT_EQ(in_container.out, std::to_string(account.uid) + "\n") << in_container.err;

  // A dropped connection (the ssh carrying the forwards dies) is re-established.
  sh({"pkill", "-f", "ExitOnForwardFailure=yes"});
  for (int i = 0; i < 100 && read_text(err).find("reconnecting") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(read_text(err).find("reconnecting"), std::string::npos) << read_text(err);
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    back = http_status(status_url, {"Authorization: token " + token}) == 200;
  }
  EXPECT_TRUE(back) << read_text(err);

  // Ctrl-C closes the forwards.
  ::kill(-tunnel, SIGINT);
  int status = 0;
  ::waitpid(tunnel, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << read_text(err);
  EXPECT_NE(http_status(status_url, {"Authorization: token " + token}), 200);
}

}  // namespace
}  // namespace dlenv::itest
