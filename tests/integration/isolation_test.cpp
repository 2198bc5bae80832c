// Isolation between users and containers, against the real engine. User A (the ordinary test
// user) brings an environment up; the container has no capability, a pids limit and sits on
// A's own network with inter-container traffic off, so no container (on another network or
// on A's) reaches its Jupyter or sshd. User B, a second ordinary user without the engine's
// group, reads none of A's secrets and gets 403 from A's Jupyter without the token and no
// login on A's sshd. What the host itself can do: every local user can open a connection to
// the container's bridge address (the host's traffic to its own bridge passes no FORWARD
// rule), exactly as to the published loopback port; there the token, Jupyter's Host check and
// sshd's keys are the protection, and this test pins that down too.
#include <sys/stat.h>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

constexpr const char* kOther = "dlenv-it-other";  // user B
constexpr const char* kEnv = "iso";

class IsolationTest : public UserTest {
 protected:
  void SetUp() override {
    UserTest::SetUp();
    if (stopped() || !ready()) return;
    if (!::getpwnam(kOther)) {  // an ordinary user: not in the engine's group (which is root in all but name)
      auto r = sh({"useradd", "--create-home", "--shell", "/bin/sh", kOther});
      ASSERT_EQ(r.code, 0) << r.err;
    }
    auto groups = sh({"id", "-G", kOther});
    struct stat sock {};
    if (::stat("/var/run/docker.sock", &sock) == 0 && sock.st_gid != 0) {
      ASSERT_EQ((" " + groups.out).find(" " + std::to_string(sock.st_gid)), std::string::npos)
          << kOther << " must not be in the engine socket's group";
    }
    network = "dlenv-u" + std::to_string(account.uid);
    write_project(std::string("[envs.") + kEnv + "]\nbase = \"dlenv/debian:bookworm\"\n");
    give_to_user(root);
    run_as = kUser;
    port_range = "37300-37399";
  }

  void TearDown() override {
    for (const auto& probe : probes) sh({"docker", "rm", "-f", probe});
    DlenvTest::TearDown();
    // A's network goes with A's last environment; another test's environment of A keeps it
    // (the engine refuses to remove a network a running container is attached to).
    if (!network.empty()) sh({"docker", "network", "rm", network});
  }

  Outcome as_other(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"runuser", "-u", kOther, "--"});
    return sh(argv);
  }

  json inspect(const std::string& what) {
    auto r = sh({"docker", "inspect", what});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? json::parse(r.out).at(0) : json::object();
  }

  // Brings the environment up as A; fills container, ip, ports and token.
  void bring_up() {
    auto envs = up();
    ASSERT_EQ(envs.size(), 1u);
    container = envs[0]["container"];
    jupyter_port = envs[0]["ports"]["jupyter"];
    ssh_port = envs[0]["ports"]["ssh"];
    auto c = inspect(container);
    ip = c["NetworkSettings"]["Networks"][network]["IPAddress"];
    ASSERT_FALSE(ip.empty());
    token = read_text(home / "secrets" / container / "jupyter_token");
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    ASSERT_FALSE(token.empty());
  }

  // A TCP connection to ip:port from a throwaway container on `on_network`: the exit status of
  // bash's /dev/tcp within 5 s (0: connected). "no-bash" when the probe itself could not run.
  std::string connect_from_container(const std::string& on_network, int port) {
    probes.push_back("dlenv-it-iso-probe-" + std::to_string(::getpid()) + "-" + std::to_string(probes.size()));
    auto r = sh({"docker", "run", "--rm", "--name", probes.back(), "--network", on_network, "dlenv/debian:bookworm",
                 "bash", "-c",
                 "echo probe-ran; timeout 5 bash -c 'exec 3<>/dev/tcp/" + ip + "/" + std::to_string(port) +
                     "'; echo rc=$?"});
    if (r.out.find("probe-ran") == std::string::npos) return "no-bash: " + r.err;
    auto at = r.out.find("rc=");
    return at == std::string::npos ? r.out : r.out.substr(at + 3, r.out.find('\n', at) - at - 3);
  }

  // HTTP status of a GET as user B.
  int status_as_other(const std::string& url, const std::vector<std::string>& headers = {}) {
    return http_status(url, headers, kOther);
  }

  std::string network, container, ip, token;
  int jupyter_port = 0, ssh_port = 0;
  std::vector<std::string> probes;
};

TEST_F(IsolationTest, TheContainerHasNoCapabilityAPidsLimitAndItsUsersIsolatedNetwork) {
  if (stopped() || !ready()) return;
  bring_up();
  if (HasFatalFailure()) return;
  auto c = inspect(container);
  EXPECT_EQ(c["HostConfig"]["CapDrop"], json::array({"ALL"}));
  EXPECT_EQ(c["HostConfig"]["PidsLimit"], 4096);
  ASSERT_TRUE(c["NetworkSettings"]["Networks"].is_object());
  EXPECT_EQ(c["NetworkSettings"]["Networks"].size(), 1u);
  EXPECT_TRUE(c["NetworkSettings"]["Networks"].contains(network)) << c["NetworkSettings"]["Networks"].dump();

  auto n = inspect(network);
  EXPECT_EQ(n["Driver"], "bridge");
  EXPECT_EQ(n["Options"]["com.docker.network.bridge.enable_icc"], "false");
  EXPECT_EQ(n["Labels"]["dlenv.managed"], "1");
  EXPECT_EQ(n["Labels"]["dlenv.owner"], std::to_string(account.uid));

  auto caps = dlenv({"exec", kEnv, "--project", project.string(), "--", "sh", "-c",
                     "grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status; cat /sys/fs/cgroup/pids/pids.max "
                     "/sys/fs/cgroup/pids.max 2>/dev/null; true"});
  ASSERT_EQ(caps.code, 0) << caps.err;
  EXPECT_NE(caps.out.find("CapEff:\t0000000000000000"), std::string::npos) << caps.out;
  EXPECT_NE(caps.out.find("CapPrm:\t0000000000000000"), std::string::npos) << caps.out;
  EXPECT_NE(caps.out.find("CapBnd:\t0000000000000000"), std::string::npos) << caps.out;
  EXPECT_NE(caps.out.find("4096"), std::string::npos) << caps.out;
}

TEST_F(IsolationTest, NoOtherContainerReachesJupyterOrSshdOnTheContainerAddress) {
  if (stopped() || !ready()) return;
  bring_up();
  if (HasFatalFailure()) return;
  // The services do listen there: the host itself connects (see the next test for what that means).
  for (int port : {8888, 2222}) {
    auto r = sh({"timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + std::to_string(port)});
    EXPECT_EQ(r.code, 0) << "the host cannot connect to " << ip << ":" << port << " " << r.err;
  }
  for (const std::string& from : {std::string("bridge"), network}) {  // another network; A's own (ICC off)
    for (int port : {8888, 2222}) {
      auto rc = connect_from_container(from, port);
      EXPECT_NE(rc, "0") << "a container on " << from << " connected to " << ip << ":" << port;
      EXPECT_EQ(rc.rfind("no-bash", 0), std::string::npos) << rc;
    }
  }
}

TEST_F(IsolationTest, AnotherUserReadsNoSecretAndNeedsTheTokenAndAKey) {
  if (stopped() || !ready()) return;
  bring_up();
  if (HasFatalFailure()) return;
  const fs::path secrets = home / "secrets" / container;
  for (const fs::path& secret : {secrets / "jupyter_token", secrets / "ssh_host_ed25519_key", secrets / "authorized_keys"}) {
    ASSERT_TRUE(fs::exists(secret)) << secret;
    auto r = as_other({"cat", secret.string()});
    EXPECT_NE(r.code, 0) << kOther << " read " << secret;
    EXPECT_TRUE(r.out.empty());
  }
  EXPECT_NE(as_other({"ls", secrets.string()}).code, 0);
  const std::string a_home = ::getpwnam(kUser)->pw_dir;
  EXPECT_NE(as_other({"cat", a_home + "/.ssh/dlenv/id_ed25519"}).code, 0);
  // Nor through A's processes: not their environment, open files or root, and no argv holds the token.
  const int pid = inspect(container)["State"]["Pid"];
  ASSERT_GT(pid, 0);
  EXPECT_NE(as_other({"cat", "/proc/" + std::to_string(pid) + "/environ"}).code, 0);
  EXPECT_NE(as_other({"ls", "/proc/" + std::to_string(pid) + "/root/"}).code, 0);
  EXPECT_EQ(as_other({"ps", "-eo", "args"}).out.find(token), std::string::npos);

  // Jupyter on the published loopback port: 403 without the token or with a wrong one.
  const std::string loopback = "http://127.0.0.1:" + std::to_string(jupyter_port) + "/dlenv/" + kEnv + "/api/contents";
  EXPECT_EQ(status_as_other(loopback), 403);
  EXPECT_EQ(status_as_other(loopback, {"Authorization: token not-" + token}), 403);
  EXPECT_EQ(status_as_other(loopback, {"Authorization: token " + token}), 200);  // control: the owner's token works

  // The bridge address from the host: reachable by any local user, and no more than the
  // loopback port: Jupyter refuses a non-loopback Host header even with the token, and a
  // forged Host header still needs the token.
  const std::string direct = "http://" + ip + ":8888/dlenv/" + kEnv + "/api/contents";
  EXPECT_EQ(status_as_other(direct), 403);
  EXPECT_EQ(status_as_other(direct, {"Authorization: token " + token}), 403);
  EXPECT_EQ(status_as_other(direct, {"Host: 127.0.0.1:8888"}), 403);
  EXPECT_EQ(status_as_other(direct, {"Host: 127.0.0.1:8888", "Authorization: token " + token}), 200);

  // sshd, on the loopback port and the bridge address: B's own key is refused.
  const fs::path b_dir = root / "other";
  fs::create_directories(b_dir);
  sh({"chown", kOther, b_dir.string()});
  ASSERT_EQ(as_other({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (b_dir / "key").string()}).code, 0);
  for (const auto& [host, port] : {std::pair{std::string("127.0.0.1"), ssh_port}, std::pair{ip, 2222}}) {
    auto r = as_other({"ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                       "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "-i",
                       (b_dir / "key").string(), "-p", std::to_string(port), std::string(kUser) + "@" + host, "true"});
    EXPECT_NE(r.code, 0) << host << ":" << port;
    EXPECT_NE(r.err.find("Permission denied (publickey)"), std::string::npos) << host << ":" << port << " " << r.err;
  }
}

TEST_F(IsolationTest, MemoryCpusAndPidsLimitFromTheProjectFileReachTheContainer) {
  if (stopped() || !ready()) return;
  write_project(std::string("[envs.") + kEnv + "]\nbase = \"dlenv/debian:bookworm\"\njupyter = false\n" +
                "memory = \"1g\"\ncpus = 1.5\npids_limit = 512\n");
  give_to_user(project);
  auto envs = up();
  ASSERT_EQ(envs.size(), 1u);
  auto c = inspect(envs[0]["container"]);
  EXPECT_EQ(c["HostConfig"]["Memory"], int64_t{1} << 30);
  EXPECT_EQ(c["HostConfig"]["NanoCpus"], int64_t{1'500'000'000});
  EXPECT_EQ(c["HostConfig"]["PidsLimit"], 512);
}

}  // namespace
}  // namespace dlenv::itest
