#include "util/interrupt.hpp"

#include <atomic>

namespace dlenv {
namespace {
std::atomic<bool> g_interrupted{false};
}
void request_interrupt() noexcept { g_interrupted.store(true); }
bool interrupted() noexcept { return g_interrupted.load(); }
void clear_interrupt() noexcept { g_interrupted.store(false); }
}  // namespace dlenv
