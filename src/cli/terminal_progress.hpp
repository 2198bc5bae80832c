#pragma once
// Progress on stderr: each phase on its own line; detail lines (build output) as one
// rewritten line on a terminal, indented lines otherwise, nothing when quiet.
#include <string>

#include "ops/context.hpp"

namespace dlenv::cli {

class TerminalProgress final : public ops::Progress {
 public:
  explicit TerminalProgress(bool quiet);
  ~TerminalProgress() override;
  void phase(std::string_view subject, std::string_view what) override;
  void detail(std::string_view subject, std::string_view line) override;
  void notice(std::string_view text) override;  // printed even when quiet
  // Clears a pending rewritten line before other output.
  void settle();

 private:
  bool quiet_;
  bool tty_;
  bool line_open_ = false;
};

}  // namespace dlenv::cli
