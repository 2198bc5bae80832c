#pragma once
// Error taxonomy shared by every layer. `Result<T>` is std::expected<T, Error>.
// Contract: every user-facing error has a message that names the thing and a hint.
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace dlenv {

enum class ErrorCode {
  usage,               // the command line is wrong
  config,              // dlenv.toml (or another input file) is invalid
  incompatible,        // the request cannot run on this host
  engine_unavailable,  // no container engine answers on the socket
  engine_api,          // the engine answered with an error
  not_found,           // a named thing does not exist
  conflict,            // someone else holds it (name, port, lease)
  store,               // the state database failed
  io,                  // files, processes, network outside the engine
  interrupted,         // the user pressed Ctrl-C
  internal,            // a bug in dlenv
};

// Where in an input file an error was found (1-based line and column).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::string hint;
  std::optional<SourceLocation> where;
  std::vector<std::string> context;  // outermost last: "while building image x"
  bool retryable = false;

  Error() = default;
  Error(ErrorCode c, std::string msg, std::string hint_text = {})
      : code(c), message(std::move(msg)), hint(std::move(hint_text)) {}

  Error& with_hint(std::string h) & { hint = std::move(h); return *this; }
  Error&& with_hint(std::string h) && { hint = std::move(h); return std::move(*this); }
  Error& at(SourceLocation loc) & { where = std::move(loc); return *this; }
  Error&& at(SourceLocation loc) && { where = std::move(loc); return std::move(*this); }
  Error&& retry(bool r = true) && { retryable = r; return std::move(*this); }
  Error&& while_(std::string frame) && { context.push_back(std::move(frame)); return std::move(*this); }

  // "file:line:col: message" when located, else the message; context frames follow.
  std::string describe() const;
};

std::string_view to_string(ErrorCode code);

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string hint = {}) {
  return std::unexpected<Error>(Error(code, std::move(message), std::move(hint)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace dlenv

// Propagates an error from an expression of type Result<T>/Status; yields the value.
#define DLENV_TRY(expr)                                                          \
  ({                                                                             \
    auto&& dlenv_try_r_ = (expr);                                                \
    if (!dlenv_try_r_) return ::std::unexpected(std::move(dlenv_try_r_).error()); \
    std::move(dlenv_try_r_).value();                                             \
  })
#define DLENV_TRY_VOID(expr)                                                     \
  do {                                                                           \
    auto&& dlenv_try_r_ = (expr);                                                \
    if (!dlenv_try_r_) return ::std::unexpected(std::move(dlenv_try_r_).error()); \
  } while (0)
