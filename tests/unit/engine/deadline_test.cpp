// Engine deadlines: every DockerEngine call ends when the engine stops answering, with
// ErrorCode::engine_api and a message naming the call and the limit; streams live as long as
// bytes move (logs -f may be quiet for good). A fake engine socket (tests/support/stall_server.hpp) answers /_ping and plays
// the rest of each script; set_timeout_scale shortens the limits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/docker_engine.hpp"
#include "engine/http_client.hpp"
#include "stall_server.hpp"

namespace dlenv::engine {
namespace {

namespace fs = std::filesystem;
using dlenv::testing::http_response;
using dlenv::testing::StallAction;
using dlenv::testing::StallServer;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class DeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("dlenv-deadline-" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override {
    fs::remove_all(dir);
  }

  // An engine that creates exec e1 for container "web" and then never answers its start.
  std::unique_ptr<StallServer> serve_exec_that_never_starts() {
    return serve([](const std::string& line) {
      if (contains(line, "/containers/web/exec")) return StallAction::reply(http_response(201, R"({"Id":"e1"})"));
      return StallAction::stall();
    });
  }

  // A fake engine: /_ping answers with an API version, everything else follows `script`.
  std::unique_ptr<StallServer> serve(std::function<StallAction(const std::string& line)> script) {
    return std::make_unique<StallServer>(
        dir / "engine.sock",
        [script = std::move(script)](size_t, const std::string& line) {
          if (contains(line, "/_ping")) return StallAction::reply(http_response(200, "OK", "Api-Version: 1.41\r\n", "text/plain"));
          if (contains(line, "/images/negotiate/json")) return StallAction::reply(http_response(404, R"({"message":"no"})"));
          return script(line);
        },
        "", std::chrono::minutes(1));
  }

  DockerEngine engine_for(const StallServer& server) {
    return DockerEngine(Endpoint{server.path().string(), "", "test"});
  }

  // Negotiates the API version under the ordinary limits, so that a tiny scale set later
  // applies to the call under test alone.
  static void negotiate(DockerEngine& engine) {
    auto r = engine.inspect_image("negotiate");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_FALSE(r->has_value());
  }

  fs::path dir;
};

TEST(TimeoutScale, ParsedFromTheSettingAndAppliedToEveryLimit) {
  EXPECT_EQ(parse_timeout_scale(""), 1.0);
  EXPECT_EQ(parse_timeout_scale("0.1"), 0.1);
  EXPECT_EQ(detail::scaled(milliseconds(30000), 1.0), milliseconds(30000));
  EXPECT_EQ(detail::scaled(milliseconds(30000), 0.1), milliseconds(3000));
  EXPECT_EQ(detail::scaled(milliseconds(0), 0.1), milliseconds(0)) << "no limit stays no limit";
  EXPECT_EQ(detail::scaled(milliseconds(1), 0.1), milliseconds(1)) << "never rounded down to no limit";
  EXPECT_EQ(detail::scaled(milliseconds(30000), parse_timeout_scale("4")), milliseconds(120000));
  for (const char* invalid : {"", "0", "-1", "fast", "2x", "nan", "inf"}) EXPECT_EQ(parse_timeout_scale(invalid), 1.0) << invalid;
}

TEST(TimeoutScale, DurationsAndCallsAreNamedForPeople) {
  EXPECT_EQ(detail::describe_duration(milliseconds(250)), "250 ms");
  EXPECT_EQ(detail::describe_duration(milliseconds(3000)), "3 s");
  EXPECT_EQ(detail::describe_duration(milliseconds(1500)), "1.5 s");
  EXPECT_EQ(detail::describe_duration(milliseconds(30000)), "30 s");
  EXPECT_EQ(detail::describe_duration(milliseconds(600000)), "10 min");
  EXPECT_EQ(detail::describe_call("GET", "/v1.41/containers/web/json"), "GET /containers/web/json");
  EXPECT_EQ(detail::describe_call("GET", "/v1.41/containers/json?all=1&filters=x"), "GET /containers/json");
  EXPECT_EQ(detail::describe_call("GET", "/_ping"), "GET /_ping");
  EXPECT_EQ(detail::describe_call("GET", "/version"), "GET /version");
}

TEST_F(DeadlineTest, AnInspectThatIsNeverAnsweredEndsNamingTheCall) {
  auto server = serve([](const std::string&) { return StallAction::stall(); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);  // 30 s -> 300 ms
  const auto start = Clock::now();
  auto r = engine.inspect_container("web");
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "did not answer GET /containers/web/json within 300 ms")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, server->path().string())) << r.error().message;
  EXPECT_TRUE(contains(r.error().hint, "docker info")) << r.error().hint;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(DeadlineTest, AStalledPingEndsToo) {
  auto server = std::make_unique<StallServer>(dir / "engine.sock",
                                              [](size_t, const std::string&) { return StallAction::stall(); }, "",
                                              std::chrono::minutes(1));
  auto engine = engine_for(*server);
  engine.set_timeout_scale(0.05);  // 10 s -> 500 ms
  auto r = engine.ping();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "did not answer GET /_ping within 500 ms")) << r.error().message;
}

TEST_F(DeadlineTest, ListThatStopsHalfwayEndsAtTheDeadline) {
  auto server = serve([](const std::string&) {
    return StallAction::reply_then_stall("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[");
  });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  auto r = engine.list_containers({});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "did not finish answering GET /containers/json within 300 ms"))
      << r.error().message;
}

TEST_F(DeadlineTest, StopWaitsItsOwnTimeoutPlusAMargin) {
  auto server = serve([](const std::string&) { return StallAction::stall(); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);  // (t + 60 s) / 100
  auto r = engine.stop_container("web", 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "did not answer POST /containers/web/stop within 610 ms")) << r.error().message;
}

TEST_F(DeadlineTest, CreateAndStartAndRemoveHaveDeadlines) {
  auto server = serve([](const std::string&) { return StallAction::stall(); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  ContainerSpec spec;
  spec.name = "web";
  spec.image = "img";
  auto created = engine.create_container(spec);
  ASSERT_FALSE(created.has_value());
  EXPECT_TRUE(contains(created.error().message, "did not answer POST /containers/create within 600 ms"))
      << created.error().message;
  auto started = engine.start_container("web");
  ASSERT_FALSE(started.has_value());
  EXPECT_TRUE(contains(started.error().message, "did not answer POST /containers/web/start within 1.2 s"))
      << started.error().message;
  auto removed = engine.remove_container("web", true);
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(removed.error().message, "DELETE /containers/web")) << removed.error().message;
}

BuildRequest small_build() {
  BuildRequest request;
  request.tag = "dlenv/test:stall";
  request.files.push_back({"Dockerfile", "FROM scratch\n", 0644});
  return request;
}

const std::string kStreamHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";

TEST_F(DeadlineTest, ABuildLivesAsLongAsItsOutputKeepsComing) {
  // 12 lines 150 ms apart: 1.8 s in all, against a 600 ms silence limit.
  auto server = serve([](const std::string&) {
    return StallAction::trickle(kStreamHead, "{\"stream\":\"Step\\n\"}\r\n", milliseconds(150), 12);
  });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.000333333);  // 30 min -> 600 ms
  int lines = 0;
  const auto start = Clock::now();
  auto r = engine.build_image(small_build(), [&](std::string_view) { ++lines; });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(lines, 12);
  EXPECT_GT(Clock::now() - start, milliseconds(1200)) << "longer than the silence limit, yet alive";
}

TEST_F(DeadlineTest, ABuildThatGoesSilentEnds) {
  auto server = serve([](const std::string&) { return StallAction::reply_then_stall(kStreamHead + "{\"stream\":\"Step 1\\n\"}\r\n"); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.000333333);
  std::vector<std::string> lines;
  const auto start = Clock::now();
  auto r = engine.build_image(small_build(), [&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "stopped answering during POST /build: nothing arrived for 600 ms"))
      << r.error().message;
  EXPECT_EQ(lines, std::vector<std::string>{"Step 1"});
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST_F(DeadlineTest, APullThatGoesSilentEnds) {
  auto server = serve([](const std::string&) { return StallAction::stall(); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.001);  // 10 min -> 600 ms
  auto r = engine.pull_image("debian:bookworm", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "POST /images/create: nothing arrived for 600 ms")) << r.error().message;
}

TEST_F(DeadlineTest, FollowedLogsMayBeQuiet) {
  const std::string tty_container = http_response(200, R"({"Config":{"Tty":true}})");
  auto server = serve([&](const std::string& line) {
    if (contains(line, "/json")) return StallAction::reply(tty_container);
    // The head at once, then one line after a quiet second, then the end.
    return StallAction::trickle("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n",
                                "hello\n", milliseconds(1000), 1);
  });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.001);  // every limit far below the quiet second
  std::string out;
  auto r = engine.logs("web", true, std::nullopt, [&](StreamKind, std::string_view data) { out += data; });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(out, "hello\n");
}

TEST_F(DeadlineTest, LogsOfAnEngineThatDoesNotAnswerEnd) {
  auto server = serve([](const std::string&) { return StallAction::stall(); });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  auto r = engine.logs("web", true, std::nullopt, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "did not answer GET /containers/web/json within 300 ms")) << r.error().message;
}

TEST_F(DeadlineTest, LogsWithoutFollowMustBeAnswered) {
  const std::string tty_container = http_response(200, R"({"Config":{"Tty":true}})");
  auto server = serve([&](const std::string& line) {
    if (contains(line, "/json")) return StallAction::reply(tty_container);
    return StallAction::stall();
  });
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  auto r = engine.logs("web", false, 10, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "did not answer GET /containers/web/logs within 300 ms")) << r.error().message;
}

TEST_F(DeadlineTest, AnAttachedExecThatIsNeverAnsweredEnds) {
  auto server = serve_exec_that_never_starts();
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  ExecRequest request;
  request.cmd = {"true"};
  const auto start = Clock::now();
  auto r = engine.exec_attached("web", request);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::engine_api);
  EXPECT_TRUE(contains(r.error().message, "did not answer POST /exec/e1/start within 300 ms")) << r.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST_F(DeadlineTest, AnExecThatIsNeverAnsweredEnds) {
  auto server = serve_exec_that_never_starts();
  auto engine = engine_for(*server);
  negotiate(engine);
  engine.set_timeout_scale(0.01);
  ExecRequest request;
  request.cmd = {"true"};
  auto r = engine.exec("web", request, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "did not answer POST /exec/e1/start within 300 ms")) << r.error().message;
}

}  // namespace
}  // namespace dlenv::engine
