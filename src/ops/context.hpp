#pragma once
// What every use case works with: the engine, the host facts, the state store and a place to
// report progress. Use cases take a Context, return data, and never print.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // Something the user should hear about once, even when progress is quiet (a damaged state
  // database moved aside).
  virtual void notice(std::string_view) {}
};

class SilentProgress final : public Progress {
 public:
  void phase(std::string_view, std::string_view) override {}
  void detail(std::string_view, std::string_view) override {}
};

// Answers the HTTP status of a GET (readiness of a service in a container).
using HttpProbe = std::function<Result<int>(const std::string& url, const std::vector<std::string>& headers)>;
// Whether something on 127.0.0.1:port greets as an SSH server does ("SSH-...").
using SshProbe = std::function<bool(int port)>;

class Context {
 public:
  Context(engine::Engine& engine, host::HostFacts host, Progress& progress)
      : engine_(engine), host_(std::move(host)), progress_(progress) {}

  engine::Engine& engine() { return engine_; }
  const host::HostFacts& host() const { return host_; }
  Progress& progress() { return progress_; }
  // The readiness probe; plain HTTP from this host unless a test replaces it.
  const HttpProbe& http_probe() const { return probe_; }
  void set_http_probe(HttpProbe probe) { probe_ = std::move(probe); }
  // Whether an SSH server greets on 127.0.0.1:port; a real connection unless a test replaces it.
  const SshProbe& ssh_probe() const { return ssh_probe_; }
  void set_ssh_probe(SshProbe probe) { ssh_probe_ = std::move(probe); }
  // Opens the state database on first use (creating DLENV_HOME, owned by the user).
  Result<store::Store*> store();

 private:
  engine::Engine& engine_;
  host::HostFacts host_;
  Progress& progress_;
  std::unique_ptr<store::Store> store_;
  HttpProbe probe_ = default_http_probe();
  SshProbe ssh_probe_ = default_ssh_probe();
  static HttpProbe default_http_probe();
  static SshProbe default_ssh_probe();
};

}  // namespace dlenv::ops
