#pragma once
// An in-memory back-end for use-case tests: deploy records the prepared environment and gives
// it ports from the host's range (kept until remove), images are a set of names, exec answers
// a set exit code. tests/contract/backend_contract_test.cpp runs the same checks over it and
// the Docker back-end, so it behaves as a real one does where use cases can tell.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "host/host_facts.hpp"

namespace dlenv::fake {

class FakeBackend final : public backend::Backend {
 public:
  explicit FakeBackend(host::HostFacts host) : host_(std::move(host)) {}

  // What tests set and look at.
  bool reachable = true;
  bool scheduler = false;                             // schedules_gpus()
  host::GpuFacts facts;                               // what gpu_facts() answers
  std::map<std::string, std::string> images;          // ref -> id ("present")
  std::vector<std::filesystem::path> control;         // control_paths()
  int exec_exit_code = 0;
  std::vector<std::vector<std::string>> executed;     // argv of each exec
  std::string log_text;                               // what logs() sends on stdout
  std::vector<backend::PreparedEnv> deployed;         // every deploy, in order
  std::map<std::string, backend::EnvView> envs;       // by container name
  std::optional<Error> fail_deploy;                   // the next deploys fail with this

  std::string_view name() const override { return "fake"; }
  std::string endpoint() const override { return "memory"; }
  Status check_reachable() override { return require_reachable(); }
  std::vector<std::filesystem::path> control_paths() override { return control; }
  Result<host::GpuFacts> gpu_facts() override { return facts; }
  Result<backend::GpuInventory> gpu_inventory(const std::string& env) override;
  bool schedules_gpus() const override { return scheduler; }
  Result<std::optional<std::string>> image_id(const std::string& ref) override;
  // There is no registry: fetching always fails (as an engine without network does).
  Status fetch_image(const std::string& ref, const backend::LineSink& progress) override {
    DLENV_TRY_VOID(require_reachable());
    progress("fetching " + ref);
    return fail(ErrorCode::engine_api, ref + " cannot be fetched: the fake back-end has no registry", "");
  }
  Status import_image(const std::filesystem::path& tarball, const std::string& repo, const std::string& tag,
                      const std::vector<std::string>& changes, const backend::LineSink& progress) override;
  Result<backend::EnvView> deploy(const backend::PreparedEnv& prepared, const backend::DeployOptions& options) override;
  Result<std::vector<backend::EnvView>> list(bool all_users) override;
  Result<std::optional<backend::EnvView>> find(const backend::EnvRef& env) override;
  Status stop(const backend::EnvRef& env) override {
    DLENV_TRY(known(env))->state = backend::EnvState::stopped;
    return {};
  }
  Status remove(const backend::EnvRef& env, std::string_view why) override;
  Status logs(const backend::EnvRef& env, bool, const backend::OutputSink& sink) override {
    DLENV_TRY(known(env));
    if (!log_text.empty()) sink(backend::Stream::out, log_text);
    return {};
  }
  Result<int> exec(const backend::EnvRef& env, const backend::Command& command) override;
  Result<std::vector<backend::Endpoint>> endpoints(const backend::EnvRef& env) override;
  std::vector<backend::Check> diagnose(bool) override {
    if (!reachable) return {{"engine", backend::Check::Status::fail, "the fake back-end is switched off", "set reachable = true"}};
    return {{"engine", backend::Check::Status::ok, "the fake back-end answers", ""}};
  }
  backend::BackendReport report() override;

 private:
  Status require_reachable() const;
  // The environment, or not_found.
  Result<backend::EnvView*> known(const backend::EnvRef& env);
  int lease_port(const std::string& container, const std::string& service);

  host::HostFacts host_;
  std::map<std::string, std::map<std::string, int>> ports_;  // container -> service -> port
  std::map<std::string, std::vector<std::string>> gpus_;     // container -> GPU UUIDs
  std::map<std::string, std::string> spec_hash_;             // container -> the plan it runs
  int next_id_ = 1;
};

}  // namespace dlenv::fake
