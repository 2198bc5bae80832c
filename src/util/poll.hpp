#pragma once
// Waiting for something, with a deadline and a growing pause: the one helper behind every
// poll and retry loop (readiness of services, a lock, an exit code, a database mode).
#include <chrono>
#include <functional>

#include "util/error.hpp"

namespace dlenv {

struct Backoff {
  std::chrono::milliseconds first{100};  // the first pause
  std::chrono::milliseconds most{1000};  // pauses double up to this
  bool jitter = false;                   // each pause a random share of it (processes racing for one thing)
};

enum class Poll { done, again };

inline constexpr std::chrono::milliseconds kNoLimit = std::chrono::milliseconds::max();

// Calls `attempt` until it returns Poll::done (true) or an error (returned as it is), or until
// `limit` has passed since the first call (false; kNoLimit: never), pausing by `backoff`
// between calls. ErrorCode::interrupted when dlenv::interrupted() becomes true meanwhile.
Result<bool> poll_until(std::chrono::milliseconds limit, const Backoff& backoff, const std::function<Result<Poll>()>& attempt);

}  // namespace dlenv
