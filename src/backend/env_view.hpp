#pragma once
// One environment as a back-end reports it and the read commands show it (up, ls, url).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::backend {

enum class EnvState {
  running,
  stopped,
  created,     // made, never started
  incomplete,  // an `up` that has not made it yet (or was interrupted before)
  removed,     // what `rm` reports
};
// "running", "stopped", "created", "incomplete", "removed" (the JSON contract)
std::string_view to_string(EnvState state);

struct EnvView {
  std::string name;
  std::string project;       // absolute project dir
  EnvState state = EnvState::stopped;
  std::string container;     // the back-end's name for it (a container name on Docker)
  std::string container_id;
  std::string image;
  unsigned uid = 0;
  unsigned gid = 0;
  std::string host = "127.0.0.1";    // where its ports are reached from this machine
  std::map<std::string, int> ports;  // service -> port on `host`
  std::string jupyter_url;           // with the token when this user can read it; empty when off
  std::string workdir;               // where commands and editors start inside; empty: unknown
  std::string user;                  // "uid:gid" commands run as; empty: the image's user
  bool owned = true;                 // belongs to the invoking user
  std::string home;                  // where its home (HOME in the container) is kept here; empty: unknown
  std::optional<int64_t> home_bytes; // how big that is (`ls` measures it for the user's own)
};

// "http://127.0.0.1:PORT/BASE/UI?token=T": UI is "lab" or "tree" (anything else: the base URL,
// whose root redirects to the UI); no token part when `token` is empty.
std::string jupyter_url(int port, const std::string& base_url, std::string_view ui_path, const std::optional<std::string>& token);

}  // namespace dlenv::backend
