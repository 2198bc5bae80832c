// Concurrent `dlenv up`s: distinct environments never share a port; the same environment
// ends with one container. Also Ctrl-C during `up`.
#include <signal.h>
#include <sys/wait.h>

#include <set>
#include <thread>

#include "harness.hpp"

namespace dlenv::itest {
namespace {

class ConcurrencyTest : public DlenvTest {
 protected:
  // Starts dlenv in the background (own process group), stdout/stderr to files.
  pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
    std::vector<std::string> argv = env_args();
    argv.push_back(DLENV_BINARY);
    for (auto& a : args) argv.push_back(a);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      FILE* o = std::fopen(out.c_str(), "w");
      FILE* e = std::fopen(err.c_str(), "w");
      ::dup2(fileno(o), 1);
      ::dup2(fileno(e), 2);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execvp(cargv[0], cargv.data());
      ::_exit(127);
    }
    return pid;
  }
  static int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

TEST_F(ConcurrencyTest, EightConcurrentUpsOfDistinctEnvironmentsGetEightDistinctPorts) {
  std::string toml;
  for (int i = 0; i < 8; ++i) toml += "[envs.e" + std::to_string(i) + "]\nbase = \"dlenv/debian:bookworm\"\n";
  write_project(toml);
  // Build the shared images once, so the eight race on ports and containers, not on builds.
  ASSERT_EQ(dlenv({"up", "e0", "--project", project.string()}).code, 0);
  ASSERT_EQ(dlenv({"rm", "e0", "--project", project.string()}).code, 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < 8; ++i)
    pids.push_back(spawn({"up", "--json", "--project", project.string(), "e" + std::to_string(i)},
                         root / ("out" + std::to_string(i)), root / ("err" + std::to_string(i))));
  std::set<int> ports;
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(wait_exit(pids[i]), 0) << read_text(root / ("err" + std::to_string(i)));
    auto e = json::parse(read_text(root / ("out" + std::to_string(i))));
    ports.insert(int(e["ports"]["jupyter"]));
    std::string url = e["jupyter"]["url"];
    std::string token = url.substr(url.find("token=") + 6);
    EXPECT_EQ(http_status(jupyter_base(url) + "api/status", {"Authorization: token " + token}), 200);
  }
  EXPECT_EQ(ports.size(), 8u);
  EXPECT_EQ(ls().size(), 8u);
}

TEST_F(ConcurrencyTest, ConcurrentUpsOfTheSameEnvironmentEndWithOneContainer) {
  write_project("[envs.same]\nbase = \"dlenv/debian:bookworm\"\n");
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i)
    pids.push_back(spawn({"up", "--json", "--project", project.string()}, root / ("out" + std::to_string(i)),
                         root / ("err" + std::to_string(i))));
  std::set<std::string> ids, urls;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(wait_exit(pids[i]), 0) << read_text(root / ("err" + std::to_string(i)));
    auto e = json::parse(read_text(root / ("out" + std::to_string(i))));
    ids.insert(e["container_id"]);
    urls.insert(e["jupyter"]["url"]);
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(urls.size(), 1u);
  auto listed = sh({"docker", "ps", "-aq", "--filter", "label=dlenv.project=" + project.string()});
  EXPECT_EQ(split_lines(listed.out).size(), 1u);
}

TEST_F(ConcurrencyTest, CtrlCDuringUpLeavesWhatLsCanShowAndTheNextUpFinishes) {
  // A base name of its own gives layers no earlier run has built: `up` must build.
  std::string base = "dlenv-test/bookworm:ctrlc-" + std::to_string(::getpid());
  ASSERT_EQ(sh({"docker", "tag", "dlenv/debian:bookworm", base}).code, 0);
  write_project("[envs.slow]\nbase = \"" + base + "\"\napt = [\"python3-numpy\"]\n");
  fs::path out = root / "out", err = root / "err";
  pid_t pid = spawn({"up", "--project", project.string()}, out, err);
  // Wait until it is building, then press Ctrl-C (SIGINT to its process group).
  for (int i = 0; i < 600 && read_text(err).find("building") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_NE(read_text(err).find("building"), std::string::npos) << read_text(err);
  ::kill(-pid, SIGINT);
  int code = wait_exit(pid);
  EXPECT_EQ(code, 130) << read_text(err);
  EXPECT_NE(read_text(err).find("interrupted"), std::string::npos) << read_text(err);
  auto r = dlenv({"ls", "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  auto again = up();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["state"], "running");
  sh({"docker", "rm", "-f", again[0]["container"]});
  sh({"docker", "rmi", again[0]["image"]});
  sh({"docker", "rmi", base});
}

}  // namespace
}  // namespace dlenv::itest
