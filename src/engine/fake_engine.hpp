#pragma once
// An in-memory Engine for unit tests of higher layers. It keeps images, containers, labels
// and states; enforces unique container names and host ports among running containers;
// runs nothing (exec and logs answer what the test configured); and records every call.
// It honours the error contract of engine/engine.hpp, checked by tests/contract.
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace dlenv::engine {

// One recorded call: the Engine method's name and its main arguments, in order.
struct FakeCall {
  std::string method;              // "create_container", "start_container", ...
  std::vector<std::string> args;   // e.g. {"my-container"}
};

struct FakeExecResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class FakeEngine final : public Engine {
 public:
  FakeEngine() = default;

  // ---- knobs ------------------------------------------------------------------------------
  // false: every call fails with engine_unavailable (as when no daemon answers).
  bool available = true;
  std::set<std::string> pullable;  // references pull_image can "download"; others fail like a registry would
  EngineDetails engine_details{{"runc"}, "runc", "1.1.12", "/var/lib/docker", {}, "", false};
  // Method name → the error that method returns (until erased). Checked before anything else.
  std::map<std::string, Error> failures;
  // Set: every build fails with this engine message (plus the build output).
  std::optional<std::string> build_error;
  // Method name → something to do once, just before that method acts (what a concurrent
  // process does meanwhile). Removed before it runs.
  std::map<std::string, std::function<void()>> before;
  // false: create_network does not refuse a name in use, as Docker 20.10 when creates race.
  bool check_network_names = true;
  // What exec/exec_attached answer for a command with no specific result.
  FakeExecResult default_exec_result;
  void set_exec_result(const std::vector<std::string>& cmd, FakeExecResult result);
  // What logs() returns for a container (set before or after it exists; by name or id).
  void set_logs(const std::string& name_or_id, std::string out, std::string err = {});
  // Adds an image directly (as if pulled); returns its id.
  std::string add_image(const std::string& ref, const Labels& labels = {});

  // ---- observations -----------------------------------------------------------------------
  std::vector<FakeCall> calls;
  std::vector<BuildRequest> builds;  // every build request, in order
  std::vector<std::pair<std::string, ExecRequest>> execs;  // (container, request), in order
  size_t count_calls(std::string_view method) const;
  // The spec a container was created with (by name or id); nullopt when there is none.
  std::optional<ContainerSpec> spec_of(const std::string& name_or_id) const;

  // ---- Engine -----------------------------------------------------------------------------
  Result<EngineInfo> ping() override;
  Result<EngineDetails> details() override;
  Result<std::optional<ImageInfo>> inspect_image(const std::string& ref) override;
  Result<std::vector<ImageInfo>> list_images(const Labels& labels) override;
  Status build_image(const BuildRequest& request, const ProgressFn& progress) override;
  Status import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                      const std::vector<std::string>& changes, const ProgressFn& progress) override;
  Status remove_image(const std::string& ref) override;
  Status pull_image(const std::string& ref, const ProgressFn& progress) override;
  Result<std::string> create_container(const ContainerSpec& spec) override;
  Status start_container(const std::string& id_or_name) override;
  Status stop_container(const std::string& id_or_name, int timeout_seconds) override;
  Status remove_container(const std::string& id_or_name, bool force) override;
  Result<std::optional<ContainerInfo>> inspect_container(const std::string& id_or_name) override;
  Result<std::vector<ContainerInfo>> list_containers(const Labels& labels) override;
  Result<std::string> create_network(const NetworkSpec& spec) override;
  Result<std::vector<NetworkInfo>> find_networks(const std::string& name) override;
  Status remove_network(const std::string& id) override;
  Status logs(const std::string& id_or_name, bool follow, std::optional<int> tail, const OutputFn& sink) override;
  Result<int> exec(const std::string& id_or_name, const ExecRequest& request, const OutputFn& sink) override;
  Result<int> exec_attached(const std::string& id_or_name, const ExecRequest& request) override;

 private:
  struct FakeContainer {
    ContainerSpec spec;
    std::string id;
    std::string image_id;
    std::string state = "created";
    int exit_code = 0;
    std::vector<PortBinding> live_ports;  // while running
  };

  Status enter(std::string method, std::vector<std::string> args);
  std::string next_id(std::string_view kind);
  ImageInfo* find_image(const std::string& ref);
  FakeContainer* find_container(const std::string& id_or_name);
  const NetworkInfo* find_network(const std::string& id_or_name) const;
  ContainerInfo info_of(const FakeContainer& container) const;
  std::string store_image(const std::string& ref, Labels labels);
  const FakeExecResult& exec_result_for(const std::vector<std::string>& cmd) const;

  std::map<std::string, ImageInfo> images_;  // by id
  std::vector<FakeContainer> containers_;    // in creation order
  std::vector<NetworkInfo> networks_;        // in creation order
  std::map<std::vector<std::string>, FakeExecResult> exec_results_;
  std::map<std::string, std::pair<std::string, std::string>> logs_;  // name or id → (out, err)
  uint64_t id_counter_ = 0;
  int next_ephemeral_port_ = 32768;
};

}  // namespace dlenv::engine
