#include "util/poll.hpp"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "util/interrupt.hpp"

namespace dlenv {

Result<bool> poll_until(std::chrono::milliseconds limit, const Backoff& backoff, const std::function<Result<Poll>()>& attempt) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto pause = backoff.first;
  std::minstd_rand random(static_cast<unsigned>(::getpid()) ^ static_cast<unsigned>(start.time_since_epoch().count()));
  for (;;) {
    if (DLENV_TRY(attempt()) == Poll::done) return true;
    if (limit != kNoLimit && Clock::now() - start >= limit) return false;
    if (interrupted()) return fail(ErrorCode::interrupted, "interrupted while waiting", "run the command again");
    auto sleep = backoff.jitter ? std::chrono::milliseconds(1 + random() % std::max<int64_t>(1, pause.count())) : pause;
    if (limit != kNoLimit) sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::milliseconds>(start + limit - Clock::now()) + std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::max(sleep, std::chrono::milliseconds(1)));
    pause = std::min(pause * 2, std::max(backoff.most, backoff.first));
  }
}

}  // namespace dlenv
