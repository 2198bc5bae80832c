#include "cli/terminal_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "util/text.hpp"

namespace dlenv::cli {

TerminalProgress::TerminalProgress(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}

TerminalProgress::~TerminalProgress() { settle(); }

void TerminalProgress::settle() {
  if (line_open_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    line_open_ = false;
  }
}

void TerminalProgress::phase(std::string_view subject, std::string_view what) {
  if (quiet_) return;
  settle();
  fmt::print(stderr, "==> {}: {}\n", subject, what);
  std::fflush(stderr);
}

void TerminalProgress::notice(std::string_view text) {
  settle();
  fmt::print(stderr, "warning: {}\n", text);
  std::fflush(stderr);
}

void TerminalProgress::detail(std::string_view subject, std::string_view line) {
  if (quiet_) return;
  std::string text = trim(line);
  if (text.empty()) return;
  if (!tty_) {
    fmt::print(stderr, "    {}\n", text);
    return;
  }
  winsize ws{};
  size_t width = (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) ? ws.ws_col : 80;
  std::string shown = fmt::format("    {} | {}", subject, text);
  if (shown.size() >= width) shown.resize(width - 1);
  fmt::print(stderr, "\r\033[K{}", shown);
  std::fflush(stderr);
  line_open_ = true;
}

}  // namespace dlenv::cli
