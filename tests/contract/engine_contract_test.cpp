// The Engine contract (engine/engine.hpp), checked over FakeEngine and over DockerEngine
// against the engine resolve_endpoint() finds. Without an engine the Docker instance skips,
// except in CI (the CI variable is set), where it fails.
//
// The test image is a busybox root filesystem imported as dlenv-test/busybox:contract when
// missing (needs Debian's busybox-static); it is kept between runs. Everything else the
// tests create carries this process's pid in its name and is removed in TearDown.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/file.h>
#include <gtest/gtest.h>

#include "ci.hpp"
#include "test_settings.hpp"
#include "contract_names.hpp"
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "engine/fake_engine.hpp"

namespace {

using namespace dlenv;
using namespace dlenv::engine;
namespace fs = std::filesystem;

const std::string kTestRepo = "dlenv-test/busybox";
const std::string kTestTag = "contract";
const std::string kTestImage = kTestRepo + ":" + kTestTag;
const std::string kPid = std::to_string(::getpid());

std::string unique_name(const std::string& what) { return "dlenv-contract-" + kPid + "-" + what; }

std::string describe(const Error& error) {
  return std::string(to_string(error.code)) + ": " + error.describe();
}

// A scratch directory for this process, removed at exit.
const fs::path& scratch_dir() {
  struct Scratch {
    fs::path path = fs::temp_directory_path() / unique_name("scratch");
    Scratch() { fs::create_directories(path); }
    ~Scratch() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static Scratch scratch;
  return scratch.path;
}

std::optional<fs::path> find_busybox() {
  for (const char* candidate : {"/bin/busybox", "/usr/bin/busybox"}) {
    if (fs::exists(candidate)) return fs::path(candidate);
  }
  return std::nullopt;
}

// A root filesystem tarball: bin/busybox, applet symlinks, empty etc and tmp. Made once.
fs::path busybox_rootfs_tarball() {
  static const fs::path tarball = [] {
    const fs::path root = scratch_dir() / "rootfs";
    const fs::path out = scratch_dir() / "busybox-rootfs.tar";
    const auto busybox = find_busybox();
    if (!busybox) return fs::path();
    fs::create_directories(root / "bin");
    fs::create_directories(root / "etc");
    fs::create_directories(root / "tmp");
    fs::copy_file(*busybox, root / "bin/busybox", fs::copy_options::overwrite_existing);
    for (const char* applet : {"sh", "echo", "cat", "sleep", "ls", "id", "env", "true", "false", "printf"}) {
      fs::create_symlink("busybox", root / "bin" / applet);
    }
    const std::string command = "tar -C '" + root.string() + "' -cf '" + out.string() + "' .";
    if (std::system(command.c_str()) != 0) return fs::path();
    return out;
  }();
  return tarball;
}

// Serializes the test image's check-and-import across processes on this host.
class ImportLock {
 public:
  ImportLock() : fd_(::open((fs::temp_directory_path() / "dlenv-contract-import.lock").c_str(), O_RDWR | O_CREAT, 0666)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~ImportLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  ImportLock(const ImportLock&) = delete;
  ImportLock& operator=(const ImportLock&) = delete;

 private:
  int fd_;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// ---- the two implementations ----------------------------------------------------------------

struct FakeImplementation {
  static std::unique_ptr<Engine> make() { return std::make_unique<FakeEngine>(); }
  static std::unique_ptr<Engine> make_unreachable(const std::string&) {
    auto fake = std::make_unique<FakeEngine>();
    fake->available = false;
    return fake;
  }
  static std::string unreachable_name(const std::string&) { return "fake://engine"; }
  // The fake runs nothing: tell it what the real engine would answer.
  static void script_exec(Engine& engine, const std::vector<std::string>& cmd, FakeExecResult result) {
    static_cast<FakeEngine&>(engine).set_exec_result(cmd, std::move(result));
  }
  static void script_logs(Engine& engine, const std::string& container, std::string out, std::string err) {
    static_cast<FakeEngine&>(engine).set_logs(container, std::move(out), std::move(err));
  }
};

struct DockerImplementation {
  static std::unique_ptr<Engine> make() { return make_docker_engine(resolve_endpoint(dlenv::testing::docker_host_variable())); }
  static std::unique_ptr<Engine> make_unreachable(const std::string& socket) {
    return make_docker_engine(Endpoint{socket, "", "test"});
  }
  static std::string unreachable_name(const std::string& socket) { return socket; }
  static void script_exec(Engine&, const std::vector<std::string>&, FakeExecResult) {}
  static void script_logs(Engine&, const std::string&, std::string, std::string) {}
};

using ImplementationNames = dlenv::testing::FakeOrDockerNames<FakeImplementation>;

template <class Implementation>
class EngineContract : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = Implementation::make();
    auto info = engine_->ping();
    if (!info) {
      DLENV_SKIP_OUTSIDE_CI("no container engine answers: " + describe(info.error()));
    }
    // Test processes run in parallel: one imports, the others wait and find the image.
    const ImportLock lock;
    auto image = engine_->inspect_image(kTestImage);
    ASSERT_TRUE(image) << describe(image.error());
    if (!*image) {
      const fs::path tarball = busybox_rootfs_tarball();
      ASSERT_FALSE(tarball.empty()) << "cannot make the busybox root filesystem (apt-get install busybox-static)";
      auto imported = engine_->import_image(tarball, kTestRepo, kTestTag, {"ENV PATH=/bin", R"(CMD ["sh"])"}, {});
      ASSERT_TRUE(imported) << describe(imported.error());
    }
  }

  void TearDown() override {
    if (!engine_) return;
    for (const auto& container : containers_) (void)engine_->remove_container(container, /*force=*/true);
    for (const auto& network : networks_) {
      if (auto found = engine_->find_networks(network))
        for (const auto& n : *found) (void)engine_->remove_network(n.id);
    }
    for (const auto& image : images_) (void)engine_->remove_image(image);
  }

  // A container name this test owns (removed in TearDown).
  std::string own_container(const std::string& what) {
    containers_.push_back(unique_name(what));
    return containers_.back();
  }
  // An image reference this test owns (removed in TearDown).
  std::string own_image(const std::string& what) {
    images_.push_back("dlenv-test/" + unique_name(what) + ":1");
    return images_.back();
  }

  // A network name this test owns (every network of that name is removed in TearDown).
  std::string own_network(const std::string& what) {
    networks_.push_back(unique_name(what));
    return networks_.back();
  }

  Engine& engine() { return *engine_; }

 private:
  std::unique_ptr<Engine> engine_;
  std::vector<std::string> containers_;
  std::vector<std::string> networks_;
  std::vector<std::string> images_;
};

using Implementations = ::testing::Types<FakeImplementation, DockerImplementation>;
TYPED_TEST_SUITE(EngineContract, Implementations, ImplementationNames);

struct CapturedOutput {
  std::string out;
  std::string err;
  OutputFn sink() {
    return [this](StreamKind kind, std::string_view text) { (kind == StreamKind::out ? out : err).append(text); };
  }
};

ExecRequest command(std::vector<std::string> cmd) {
  ExecRequest request;
  request.cmd = std::move(cmd);
  return request;
}

BuildFile context_file(std::string path, std::string content) {
  BuildFile file;
  file.path = std::move(path);
  file.content = std::move(content);
  return file;
}

bool has_port(const ContainerInfo& info, const std::string& container_port, const std::string& host_ip,
              int host_port) {
  return std::any_of(info.ports.begin(), info.ports.end(), [&](const PortBinding& port) {
    return port.container_port == container_port && port.host_ip == host_ip && port.host_port == host_port;
  });
}

const ContainerInfo* find_named(const std::vector<ContainerInfo>& containers, const std::string& name) {
  const auto it = std::find_if(containers.begin(), containers.end(),
                               [&](const ContainerInfo& c) { return c.name == name; });
  return it == containers.end() ? nullptr : &*it;
}

// ---- tests --------------------------------------------------------------------------------

TYPED_TEST(EngineContract, PingDescribesTheEngine) {
  auto info = this->engine().ping();
  ASSERT_TRUE(info) << describe(info.error());
  EXPECT_FALSE(info->endpoint.empty());
  EXPECT_FALSE(info->version.empty());
  EXPECT_FALSE(info->api_version.empty());
}

TYPED_TEST(EngineContract, DetailsNameTheRuntimesAndWhereImagesLive) {
  auto details = this->engine().details();
  ASSERT_TRUE(details) << details.error().describe();
  EXPECT_NE(std::find(details->runtimes.begin(), details->runtimes.end(), "runc"), details->runtimes.end());
  EXPECT_FALSE(details->default_runtime.empty());
  EXPECT_FALSE(details->root_dir.empty());
  EXPECT_TRUE(details->root_dir.starts_with("/")) << details->root_dir;
  EXPECT_FALSE(details->runc_version.empty());
}

TYPED_TEST(EngineContract, PullingWhatNoRegistryServesIsAnEngineError) {
  // Unreachable registry here, unknown repository elsewhere: an engine_api error either way.
  auto pulled = this->engine().pull_image("dlenv-test/" + unique_name("never-published") + ":none", {});
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code, ErrorCode::engine_api) << pulled.error().describe();
  EXPECT_FALSE(pulled.error().message.empty());
}

TYPED_TEST(EngineContract, InspectingAMissingImageGivesNothing) {
  auto image = this->engine().inspect_image("dlenv-test/" + unique_name("never-built") + ":none");
  ASSERT_TRUE(image) << describe(image.error());
  EXPECT_FALSE(image->has_value());
}

TYPED_TEST(EngineContract, BuildAppliesLabelsAndStreamsProgress) {
  const std::string tag = this->own_image("build");
  BuildRequest request;
  request.tag = tag;
  request.files = {
      context_file("Dockerfile", "FROM " + kTestImage + "\nRUN echo build-marker-" + kPid + "\nCOPY hello.txt /hello.txt\n"),
      context_file("hello.txt", "hello from the context\n"),
  };
  request.labels = {{"dlenv.contract", kPid}, {"dlenv.contract.kind", "build"}};
  std::vector<std::string> progress;
  auto built = this->engine().build_image(request, [&](std::string_view line) { progress.emplace_back(line); });
  ASSERT_TRUE(built) << describe(built.error());
  EXPECT_TRUE(std::any_of(progress.begin(), progress.end(), [](const std::string& line) {
    return line.find("RUN echo build-marker-" + kPid) != std::string::npos;
  })) << "progress lines: " << progress.size();

  auto image = this->engine().inspect_image(tag);
  ASSERT_TRUE(image) << describe(image.error());
  ASSERT_TRUE(image->has_value());
  EXPECT_EQ((*image)->labels["dlenv.contract"], kPid);
  EXPECT_EQ((*image)->labels["dlenv.contract.kind"], "build");
  EXPECT_NE(std::find((*image)->tags.begin(), (*image)->tags.end(), tag), (*image)->tags.end());

  auto listed = this->engine().list_images({{"dlenv.contract", kPid}, {"dlenv.contract.kind", ""}});
  ASSERT_TRUE(listed) << describe(listed.error());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, (*image)->id);
  auto others = this->engine().list_images({{"dlenv.contract", "other-" + kPid}});
  ASSERT_TRUE(others) << describe(others.error());
  EXPECT_TRUE(others->empty());
}

TYPED_TEST(EngineContract, FailedBuildReportsTheErrorWithItsOutput) {
  BuildRequest request;
  request.tag = this->own_image("broken");
  request.files = {context_file("Dockerfile", "FROM " + kTestImage + "\nCOPY missing-file.txt /\n")};
  auto built = this->engine().build_image(request, {});
  ASSERT_FALSE(built);
  EXPECT_EQ(built.error().code, ErrorCode::engine_api) << describe(built.error());
  EXPECT_NE(built.error().message.find("missing-file.txt"), std::string::npos) << built.error().message;
  // The output before the failure comes with it.
  EXPECT_NE(built.error().message.find("FROM " + kTestImage), std::string::npos) << built.error().message;
}

TYPED_TEST(EngineContract, ContainerLifecycle) {
  Engine& engine = this->engine();
  const std::string name = this->own_container("main");
  const std::string rival_name = this->own_container("rival");
  const int host_port = free_local_port();
  ASSERT_GT(host_port, 0);
  const fs::path data_dir = scratch_dir() / "data";
  fs::create_directories(data_dir);
  std::ofstream(data_dir / "file.txt") << "mounted-content";

  ContainerSpec spec;
  spec.name = name;
  spec.image = kTestImage;
  spec.cmd = {"sh", "-c", "echo hello-stdout; echo hello-stderr >&2; exec sleep 300"};
  spec.user = "65534:65534";
  spec.workdir = "/tmp";
  spec.hostname = "contract";
  spec.env = {"CONTRACT_VAR=1"};
  spec.labels = {{"dlenv.contract", kPid}, {"dlenv.contract.role", "main"}};
  spec.mounts = {{data_dir.string(), "/mnt/data", /*read_only=*/true}};
  spec.ports = {{"8080/tcp", "127.0.0.1", host_port}};
  spec.shm_size = 128 * 1024 * 1024;
  spec.security_opt = {"no-new-privileges"};
  spec.cap_drop = {"ALL"};
  TypeParam::script_logs(engine, name, "hello-stdout\n", "hello-stderr\n");

  auto id = engine.create_container(spec);
  ASSERT_TRUE(id) << describe(id.error());
  EXPECT_FALSE(id->empty());

  auto duplicate = engine.create_container(spec);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::conflict) << describe(duplicate.error());

  auto started = engine.start_container(name);
  ASSERT_TRUE(started) << describe(started.error());
  auto started_again = engine.start_container(*id);
  EXPECT_TRUE(started_again) << describe(started_again.error());

  auto inspected = engine.inspect_container(name);
  ASSERT_TRUE(inspected) << describe(inspected.error());
  ASSERT_TRUE(inspected->has_value());
  const ContainerInfo& info = **inspected;
  EXPECT_EQ(info.id, *id);
  EXPECT_EQ(info.name, name);
  EXPECT_TRUE(info.running()) << info.state;
  EXPECT_TRUE(has_port(info, "8080/tcp", "127.0.0.1", host_port)) << "ports: " << info.ports.size();
  EXPECT_EQ(info.labels.at("dlenv.contract.role"), "main");
  EXPECT_EQ(info.user, "65534:65534");
  EXPECT_EQ(info.shm_size, 128 * 1024 * 1024);
  EXPECT_NE(std::find(info.security_opt.begin(), info.security_opt.end(), "no-new-privileges"),
            info.security_opt.end());
  EXPECT_NE(std::find(info.env.begin(), info.env.end(), "CONTRACT_VAR=1"), info.env.end());
  EXPECT_EQ(info.cmd, spec.cmd);

  // A second container publishing the same host port cannot start while the first runs.
  ContainerSpec rival = spec;
  rival.name = rival_name;
  rival.labels = {{"dlenv.contract", kPid}, {"dlenv.contract.role", "rival"}};
  auto rival_id = engine.create_container(rival);
  ASSERT_TRUE(rival_id) << describe(rival_id.error());
  auto rival_started = engine.start_container(rival_name);
  ASSERT_FALSE(rival_started);
  EXPECT_EQ(rival_started.error().code, ErrorCode::conflict) << describe(rival_started.error());
  EXPECT_TRUE(rival_started.error().retryable);

  auto listed = engine.list_containers({{"dlenv.contract", kPid}, {"dlenv.contract.role", "main"}});
  ASSERT_TRUE(listed) << describe(listed.error());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().name, name);
  EXPECT_TRUE(listed->front().running());
  EXPECT_TRUE(has_port(listed->front(), "8080/tcp", "127.0.0.1", host_port));
  auto all_ours = engine.list_containers({{"dlenv.contract", kPid}, {"dlenv.contract.role", ""}});
  ASSERT_TRUE(all_ours) << describe(all_ours.error());
  EXPECT_NE(find_named(*all_ours, name), nullptr);
  EXPECT_NE(find_named(*all_ours, rival_name), nullptr);
  auto nobody = engine.list_containers({{"dlenv.contract", "other-" + kPid}});
  ASSERT_TRUE(nobody) << describe(nobody.error());
  EXPECT_TRUE(nobody->empty());

  const std::vector<std::string> failing = {"sh", "-c", "echo to-out; echo to-err >&2; exit 3"};
  TypeParam::script_exec(engine, failing, {3, "to-out\n", "to-err\n"});
  CapturedOutput exec_output;
  auto exit_code = engine.exec(name, command(failing), exec_output.sink());
  ASSERT_TRUE(exit_code) << describe(exit_code.error());
  EXPECT_EQ(*exit_code, 3);
  EXPECT_EQ(exec_output.out, "to-out\n");
  EXPECT_EQ(exec_output.err, "to-err\n");

  const std::vector<std::string> read_mount = {"cat", "/mnt/data/file.txt"};
  TypeParam::script_exec(engine, read_mount, {0, "mounted-content", ""});
  CapturedOutput mount_output;
  auto mount_exit = engine.exec(name, command(read_mount), mount_output.sink());
  ASSERT_TRUE(mount_exit) << describe(mount_exit.error());
  EXPECT_EQ(*mount_exit, 0) << mount_output.err;
  EXPECT_EQ(mount_output.out, "mounted-content");

  // The container prints at start; give it a moment.
  CapturedOutput logs;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    logs = {};
    auto status = engine.logs(name, /*follow=*/false, std::nullopt, logs.sink());
    ASSERT_TRUE(status) << describe(status.error());
    if (logs.out == "hello-stdout\n" && logs.err == "hello-stderr\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(logs.out, "hello-stdout\n");
  EXPECT_EQ(logs.err, "hello-stderr\n");

  auto stopped = engine.stop_container(name, 1);
  ASSERT_TRUE(stopped) << describe(stopped.error());
  auto stopped_again = engine.stop_container(name, 1);
  EXPECT_TRUE(stopped_again) << describe(stopped_again.error());
  auto after_stop = engine.inspect_container(name);
  ASSERT_TRUE(after_stop) << describe(after_stop.error());
  ASSERT_TRUE(after_stop->has_value());
  EXPECT_FALSE((*after_stop)->running());
  // Stopped: the requested binding is still reported.
  EXPECT_TRUE(has_port(**after_stop, "8080/tcp", "127.0.0.1", host_port));

  auto removed = engine.remove_container(name, /*force=*/false);
  ASSERT_TRUE(removed) << describe(removed.error());
  auto after_remove = engine.inspect_container(name);
  ASSERT_TRUE(after_remove) << describe(after_remove.error());
  EXPECT_FALSE(after_remove->has_value());
  auto removed_again = engine.remove_container(name, /*force=*/false);
  EXPECT_TRUE(removed_again) << describe(removed_again.error());
}

TYPED_TEST(EngineContract, NetworksIsolateAndContainersCarryTheirLimits) {
  Engine& engine = this->engine();
  const std::string network = this->own_network("net");
  const std::string name = this->own_container("limited");

  NetworkSpec net;
  net.name = network;
  net.labels = {{"dlenv.contract", kPid}};
  net.inter_container = false;
  auto id = engine.create_network(net);
  ASSERT_TRUE(id) << describe(id.error());
  auto again = engine.create_network(net);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::conflict) << describe(again.error());

  auto found = engine.find_networks(network);
  ASSERT_TRUE(found) << describe(found.error());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, *id);
  EXPECT_EQ(found->front().name, network);
  EXPECT_EQ(found->front().driver, "bridge");
  EXPECT_FALSE(found->front().inter_container);
  EXPECT_EQ(found->front().labels.at("dlenv.contract"), kPid);
  EXPECT_FALSE(found->front().created.empty());
  auto prefix_only = engine.find_networks(network.substr(0, network.size() - 1));  // names match exactly
  ASSERT_TRUE(prefix_only) << describe(prefix_only.error());
  EXPECT_TRUE(prefix_only->empty());

  ContainerSpec spec;
  spec.name = name;
  spec.image = kTestImage;
  spec.cmd = {"sleep", "300"};
  spec.user = "65534:65534";
  spec.cap_drop = {"ALL"};
  spec.pids_limit = 256;
  spec.memory = 64 * 1024 * 1024;
  spec.nano_cpus = 500'000'000;
  spec.restart_policy = "unless-stopped";
  spec.network = *id;
  spec.labels = {{"dlenv.contract", kPid}};
  ContainerSpec lost = spec;
  lost.restart_policy.clear();
  lost.name = this->own_container("lost");
  lost.network = unique_name("no-such-network");
  // The network is looked up at start (Docker 20.10 creates the container without checking).
  ASSERT_TRUE(engine.create_container(lost));
  auto not_started = engine.start_container(lost.name);
  ASSERT_FALSE(not_started);
  EXPECT_EQ(not_started.error().code, ErrorCode::not_found) << describe(not_started.error());

  ASSERT_TRUE(engine.create_container(spec));
  auto started = engine.start_container(name);
  ASSERT_TRUE(started) << describe(started.error());
  auto inspected = engine.inspect_container(name);
  ASSERT_TRUE(inspected && *inspected);
  const ContainerInfo& info = **inspected;
  EXPECT_EQ(info.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(info.pids_limit, 256);
  EXPECT_EQ(info.memory, 64 * 1024 * 1024);
  EXPECT_EQ(info.nano_cpus, 500'000'000);
  EXPECT_EQ(info.restart_policy, "unless-stopped");
  auto lost_info = engine.inspect_container(lost.name);
  ASSERT_TRUE(lost_info && *lost_info);
  EXPECT_EQ((*lost_info)->restart_policy, "no") << "the engine's default when none is asked for";
  EXPECT_EQ(info.network_mode, *id);
  EXPECT_EQ(info.networks, std::vector<std::string>{network});

  auto in_use = engine.remove_network(*id);
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, ErrorCode::conflict) << describe(in_use.error());
  ASSERT_TRUE(engine.remove_container(name, /*force=*/true));
  auto removed = engine.remove_network(*id);
  EXPECT_TRUE(removed) << describe(removed.error());
  auto removed_again = engine.remove_network(*id);
  EXPECT_TRUE(removed_again) << describe(removed_again.error());
  EXPECT_TRUE(engine.find_networks(network)->empty());
}

TYPED_TEST(EngineContract, MissingContainersAreNotFound) {
  Engine& engine = this->engine();
  const std::string missing = unique_name("never-created");
  auto removed = engine.remove_container(missing, /*force=*/true);
  EXPECT_TRUE(removed) << describe(removed.error());
  auto inspected = engine.inspect_container(missing);
  ASSERT_TRUE(inspected) << describe(inspected.error());
  EXPECT_FALSE(inspected->has_value());

  auto started = engine.start_container(missing);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::not_found) << describe(started.error());
  auto executed = engine.exec(missing, command({"true"}), {});
  ASSERT_FALSE(executed);
  EXPECT_EQ(executed.error().code, ErrorCode::not_found) << describe(executed.error());
  auto logged = engine.logs(missing, false, std::nullopt, {});
  ASSERT_FALSE(logged);
  EXPECT_EQ(logged.error().code, ErrorCode::not_found) << describe(logged.error());
}

TYPED_TEST(EngineContract, UnreachableEngineIsUnavailable) {
  const std::string socket = (scratch_dir() / "no-engine-here.sock").string();
  auto unreachable = TypeParam::make_unreachable(socket);
  auto info = unreachable->ping();
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::engine_unavailable) << describe(info.error());
  EXPECT_NE(info.error().message.find(TypeParam::unreachable_name(socket)), std::string::npos)
      << info.error().message;
  EXPECT_FALSE(info.error().hint.empty());

  auto listed = unreachable->list_containers({});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::engine_unavailable) << describe(listed.error());
}

}  // namespace
