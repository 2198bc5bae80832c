#pragma once
// Progress of long work, reported by use cases and back-ends, shown by the cli on stderr.
#include <string_view>

namespace dlenv::backend {

// `phase` starts a step ("building system layer"); `detail` is one line of output from it
// (build output, bootstrap messages).
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

}  // namespace dlenv::backend
