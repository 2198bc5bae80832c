#pragma once
// Integration harness: runs the built dlenv binary against the real engine, each test in its
// own project directory, DLENV_HOME, cache and port range, and removes what it made.
// Without an engine the tests skip, except under CI (CI=true), where they fail.
#include <gtest/gtest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ci.hpp"
#include "util/subprocess.hpp"

namespace dlenv::itest {

namespace fs = std::filesystem;
using nlohmann::json;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
  json parsed() const { return json::parse(out); }
};

using dlenv::testing::in_ci;

// Runs a program, capturing output; fails the test when it cannot start.
inline Outcome sh(const std::vector<std::string>& argv, std::string stdin_data = {}) {
  SubprocessOptions o;
  o.stdin_data = std::move(stdin_data);
  o.timeout = std::chrono::minutes(20);
  auto r = run_process(argv, o);
  if (!r) {
    ADD_FAILURE() << "cannot run " << argv[0] << ": " << r.error().describe();
    return {};
  }
  return {r->exit_code, r->out, r->err};
}

inline bool engine_answers() {
  auto r = sh({"curl", "-fsS", "--unix-socket", "/var/run/docker.sock", "http://engine/_ping"});
  return r.code == 0 && r.out == "OK";
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// The ordinary (non-root) user the user-mapping tests run dlenv as.
inline constexpr const char* kUser = "dlenv-it-user";

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Creates the ordinary test user (once), in the engine socket's group so it may use it.
inline Account ordinary_user() {
  if (!::getpwnam(kUser)) {
    auto r = sh({"useradd", "--create-home", "--shell", "/bin/sh", kUser});
    EXPECT_EQ(r.code, 0) << r.err;
  }
  struct stat sock {};
  if (::stat("/var/run/docker.sock", &sock) == 0 && sock.st_gid != 0) {
    if (auto* g = ::getgrgid(sock.st_gid)) sh({"usermod", "-aG", g->gr_name, kUser});
  }
  auto* pw = ::getpwnam(kUser);
  return pw ? Account{pw->pw_uid, pw->pw_gid} : Account{};
}

// The server's base URL ("http://127.0.0.1:P/dlenv/ENV/") from a printed Jupyter URL, which
// opens the UI ("BASE/lab?token=...", "BASE/tree?token=...").
inline std::string jupyter_base(const std::string& url) {
  std::string base = url.substr(0, url.find('?'));
  for (std::string_view ui : {"lab", "tree"})
    if (base.ends_with(std::string("/") + std::string(ui))) base.resize(base.size() - ui.size());
  return base;
}

// The token of a printed Jupyter URL.
inline std::string jupyter_token(const std::string& url) { return url.substr(url.find("token=") + 6); }

class DlenvTest : public ::testing::Test {
 protected:
  fs::path root;       // everything this test makes on the host
  fs::path project;    // root/project
  fs::path home;       // DLENV_HOME
  fs::path cache;      // DLENV_CACHE_HOME
  std::string port_range = "31000-31999";
  std::string run_as;  // run dlenv as this user (runuser) when set

  static void SetUpTestSuite() {
    if (!engine_answers()) return;
    auto r = sh({DLENV_BINARY, "-q", "base", "bootstrap", "debian:bookworm"});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  void SetUp() override {
    if (!engine_answers()) DLENV_SKIP_OUTSIDE_CI("no container engine answers on /var/run/docker.sock");
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root = fs::temp_directory_path() / ("dlenv-it-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    project = root / "project";
    home = root / "state";
    cache = root / "cache";
    fs::create_directories(project);
    ::chmod(root.c_str(), 0755);
  }

  void TearDown() override {
    if (root.empty()) return;
    // Remove every container made for this test's projects.
    auto ids = sh({"docker", "ps", "-aq", "--filter", "label=dlenv.managed=1"});
    for (const auto& id : split_lines(ids.out)) {
      auto label = sh({"docker", "inspect", "-f", "{{index .Config.Labels \"dlenv.project\"}}", id});
      if (label.out.rfind(root.string(), 0) == 0) sh({"docker", "rm", "-f", id});
    }
    fs::remove_all(root);
  }

  static std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string line;
    while (std::getline(ss, line))
      if (!line.empty()) out.push_back(line);
    return out;
  }

  std::vector<std::string> env_args() const {
    return {"env", "DLENV_HOME=" + home.string(), "DLENV_CACHE_HOME=" + cache.string(), "DLENV_PORT_RANGE=" + port_range};
  }

  // Tests that create or switch users need root: outside CI they skip without it, under CI
  // (which runs as root) they fail. Callers stop when stopped() says so.
  void require_root(const char* why) {
    if (::getuid() != 0) DLENV_SKIP_OUTSIDE_CI(std::string(why) + " needs root");
  }
  bool stopped() const { return IsSkipped() || HasFatalFailure(); }

  // Runs dlenv with this test's state, optionally as `run_as`.
  Outcome dlenv(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv;
    if (!run_as.empty()) argv = {"runuser", "-u", run_as, "--"};
    for (auto& a : env_args()) argv.push_back(a);
    for (auto& e : extra_env) argv.push_back(e);
    argv.push_back(DLENV_BINARY);
    for (auto& a : args) argv.push_back(a);
    return sh(argv);
  }

  void write_project(const std::string& toml, const fs::path& dir = {}) {
    write_text((dir.empty() ? project : dir) / "dlenv.toml", toml);
  }

  // `up` that must succeed; returns its one JSON object per environment.
  std::vector<json> up(const std::vector<std::string>& envs = {}, const fs::path& dir = {}) {
    std::vector<std::string> args = {"up", "--json", "--project", (dir.empty() ? project : dir).string()};
    for (auto& e : envs) args.push_back(e);
    auto r = dlenv(args);
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<json> out;
    for (const auto& line : split_lines(r.out)) out.push_back(json::parse(line));
    return out;
  }

  // This test's environments from `dlenv ls --json` (the user may have others).
  json ls() {
    auto r = dlenv({"ls", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    json mine = json::array();
    if (r.code != 0) return mine;
    for (const auto& e : json::parse(r.out))
      if (std::string(e["project"]).rfind(root.string(), 0) == 0) mine.push_back(e);
    return mine;
  }

  // HTTP status of a GET with optional extra headers, as `as_user` (runuser) when given.
  static int http_status(const std::string& url, const std::vector<std::string>& headers = {},
                         const std::string& as_user = {}) {
    std::vector<std::string> argv = {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"};
    if (!as_user.empty()) argv.insert(argv.begin(), {"runuser", "-u", as_user, "--"});
    for (const auto& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.push_back(url);
    auto r = sh(argv);
    return r.out.empty() ? -1 : std::stoi(r.out);
  }
};

// A test that runs dlenv as the ordinary user (created once, in the engine socket's group).
class UserTest : public DlenvTest {
 protected:
  void SetUp() override {
    DlenvTest::SetUp();
    if (stopped()) return;
    require_root("creating a test user");
    if (stopped()) return;
    account = ordinary_user();
    ASSERT_NE(account.uid, 0u);
  }
  // chown -R to the test user.
  void give_to_user(const fs::path& p) {
    sh({"chown", "-R", std::to_string(account.uid) + ":" + std::to_string(account.gid), p.string()});
  }
  bool ready() const { return account.uid != 0; }
  Account account;
};

}  // namespace dlenv::itest
