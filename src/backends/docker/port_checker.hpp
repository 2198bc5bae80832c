#pragma once
// Decides whether a host port may be leased: nobody's container publishes it or has it
// leased in its labels (other dlenv users included), and a test bind on 127.0.0.1 works.
#include <chrono>
#include <set>
#include <string>

#include "engine/engine.hpp"
#include "util/loopback.hpp"

namespace dlenv::docker {

class PortChecker {
 public:
  // Snapshot of the engine's containers; `own_container` (this env's) is not counted.
  static Result<PortChecker> snapshot(engine::Engine& engine, const std::string& own_container);
  bool usable(int port) const;
  bool taken_by_others(int port) const { return taken_.count(port) > 0; }

 private:
  std::set<int> taken_;
};

}  // namespace dlenv::docker
