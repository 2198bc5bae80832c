#pragma once
// What every use case works with: the engine, the host facts, the state store and a place to
// report progress. Use cases take a Context, return data, and never print.
#include <functional>
#include <memory>
#include <string_view>

#include "engine/engine.hpp"
#include "host/host_facts.hpp"
#include "store/store.hpp"

namespace dlenv::ops {

// Progress of long work. `phase` starts a step ("building system layer"); `detail` is one
// line of output from it (build output, bootstrap messages).
class Progress {
 public:
  virtual ~Progress() = default;
  virtual void phase(std::string_view subject, std::string_view what) = 0;
  virtual void detail(std::string_view subject, std::string_view line) = 0;
};

class SilentProgress final : public Progress {
 public:
  void phase(std::string_view, std::string_view) override {}
  void detail(std::string_view, std::string_view) override {}
};

class Context {
 public:
  Context(engine::Engine& engine, host::HostFacts host, Progress& progress)
      : engine_(engine), host_(std::move(host)), progress_(progress) {}

  engine::Engine& engine() { return engine_; }
  const host::HostFacts& host() const { return host_; }
  Progress& progress() { return progress_; }
  // Opens the state database on first use (creating DLENV_HOME, owned by the user).
  Result<store::Store*> store();

 private:
  engine::Engine& engine_;
  host::HostFacts host_;
  Progress& progress_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace dlenv::ops
