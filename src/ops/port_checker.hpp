#pragma once
// Decides whether a host port may be leased: nobody's container publishes it or has it
// leased in its labels (other dlenv users included), and a test bind on 127.0.0.1 works.
#include <chrono>
#include <set>
#include <string>

#include "engine/engine.hpp"

namespace dlenv::ops {

class PortChecker {
 public:
  // Snapshot of the engine's containers; `own_container` (this env's) is not counted.
  static Result<PortChecker> snapshot(engine::Engine& engine, const std::string& own_container);
  bool usable(int port) const;
  bool taken_by_others(int port) const { return taken_.count(port) > 0; }

 private:
  std::set<int> taken_;
};

// True when a TCP socket can bind 127.0.0.1:port right now.
bool can_bind_loopback(int port);

// True when a connection to 127.0.0.1:port is greeted with "SSH-" within `timeout` (sshd is
// up: docker-proxy accepts on a published port even before anything listens behind it).
bool ssh_greets(int port, std::chrono::milliseconds timeout);

}  // namespace dlenv::ops
