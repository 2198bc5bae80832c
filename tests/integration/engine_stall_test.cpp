// An engine that stops answering mid-command: dlenv talks to the real engine through a proxy
// in this process (tests/support/stall_server.hpp) that forwards requests until a chosen one
// and from then on accepts every request and never answers. With the limits shortened by
// DLENV_ENGINE_TIMEOUT_SCALE, the command must end on its own: exit 6, a message naming the
// call that was not answered and a hint, within a bound; no container made.
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>

#include "harness.hpp"
#include "stall_server.hpp"

namespace dlenv::itest {
namespace {

using dlenv::testing::StallAction;
using dlenv::testing::StallServer;
using Clock = std::chrono::steady_clock;

// 0.1: quick calls (30 s) get 3 s, create (60 s) 6 s; builds may still be quiet for 3 min.
constexpr const char* kScale = "DLENV_ENGINE_TIMEOUT_SCALE=0.1";

struct ProxiedRun {
  Outcome outcome;
  bool timed_out = false;
  Clock::time_point ended;
};

class EngineStallTest : public DlenvTest {
 protected:
  // A proxy to the real engine that goes silent from the first request whose request line
  // contains `from` (and stays silent for every later one).
  void go_silent_from(std::string from) {
    proxy = std::make_unique<StallServer>(root / "engine.sock", [this, from](size_t, const std::string& line) {
      std::lock_guard lock(mutex);
      if (!silent_since && line.find(from) != std::string::npos) silent_since = Clock::now();
      return silent_since ? StallAction::stall() : StallAction::forward();
    });
  }

  std::optional<Clock::time_point> silence_began() {
    std::lock_guard lock(mutex);
    return silent_since;
  }

  // dlenv through the proxy, killed after `limit` (a hang fails the test instead of hanging it).
  ProxiedRun dlenv_through_proxy(const std::vector<std::string>& args, std::chrono::seconds limit) {
    std::vector<std::string> argv = env_args();
    argv.push_back("DOCKER_HOST=" + proxy->docker_host());
    argv.push_back(kScale);
    argv.push_back(DLENV_BINARY);
    for (const auto& a : args) argv.push_back(a);
    SubprocessOptions options;
    options.timeout = limit;
    auto r = run_process(argv, options);
    ProxiedRun run;
    run.ended = Clock::now();
    if (!r) {
      ADD_FAILURE() << "cannot run dlenv: " << r.error().describe();
      return run;
    }
    run.outcome = {r->exit_code, r->out, r->err};
    run.timed_out = r->timed_out;
    return run;
  }

  std::string requests_seen() const {
    std::string out;
    for (const auto& line : proxy->requests()) out += "  " + line + "\n";
    return out;
  }

  std::mutex mutex;
  std::optional<Clock::time_point> silent_since;
  std::unique_ptr<StallServer> proxy;
};

TEST_F(EngineStallTest, LsEndsWhenTheEngineStopsAnsweringTheList) {
  go_silent_from("/containers/json");
  const auto start = Clock::now();
  auto run = dlenv_through_proxy({"ls"}, std::chrono::minutes(2));
  ASSERT_FALSE(run.timed_out) << "dlenv ls hung on a silent engine\nrequests:\n" << requests_seen();
  EXPECT_EQ(run.outcome.code, 6) << run.outcome.err;
  EXPECT_NE(run.outcome.err.find("did not answer GET /containers/json within 3 s"), std::string::npos)
      << run.outcome.err;
  EXPECT_NE(run.outcome.err.find(proxy->path().string()), std::string::npos) << run.outcome.err;
  EXPECT_NE(run.outcome.err.find("hint:"), std::string::npos) << run.outcome.err;
  EXPECT_NE(run.outcome.err.find("docker info"), std::string::npos) << run.outcome.err;
  ASSERT_TRUE(silence_began()) << "the list never reached the proxy\nrequests:\n" << requests_seen();
  EXPECT_LT(run.ended - start, std::chrono::seconds(30));
}

TEST_F(EngineStallTest, UpEndsWhenTheEngineStopsAnsweringMidway) {
  write_project("[envs.demo]\nbase = \"dlenv/debian:bookworm\"\n");
  // Build the layers (and make and remove the container) against the engine itself, so that
  // the `up` under test only has the container left to create.
  up();
  ASSERT_EQ(dlenv({"rm", "demo", "--project", project.string()}).code, 0);

  go_silent_from("/containers/create");
  auto run = dlenv_through_proxy({"up", "--project", project.string()}, std::chrono::minutes(3));
  ASSERT_FALSE(run.timed_out) << "dlenv up hung on a silent engine\nrequests:\n" << requests_seen();
  EXPECT_EQ(run.outcome.code, 6) << run.outcome.err;
  EXPECT_NE(run.outcome.err.find("did not answer POST /containers/create within 6 s"), std::string::npos)
      << run.outcome.err;
  EXPECT_NE(run.outcome.err.find("hint:"), std::string::npos) << run.outcome.err;
  const auto began = silence_began();
  ASSERT_TRUE(began) << "up never asked to create the container\nrequests:\n" << requests_seen();
  EXPECT_LT(run.ended - *began, std::chrono::seconds(30)) << "up went on long after the engine fell silent";

  // The create never reached the engine: no container of this project exists.
  auto ids = sh({"docker", "ps", "-aq", "--filter", "label=dlenv.project=" + project.string()});
  EXPECT_EQ(ids.out, "") << "a container was left behind";

  // The rest of what it left (port leases, the environment's record) is ops::up's to release
  // on failure: shown here, not asserted.
  if (find_program("sqlite3")) {
    auto left = sh({"sqlite3", (home / "state.db").string(),
                    "SELECT 'lease', port, service FROM port_leases; SELECT 'env', name, state, container_id FROM envs;"});
    std::cout << "[ left by the stalled up ]\n" << left.out;
  }
}

}  // namespace
}  // namespace dlenv::itest
