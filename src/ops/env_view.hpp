#pragma once
// One environment as the read commands show it (up, ls, url).
#include <map>
#include <string>

namespace dlenv::ops {

struct EnvView {
  std::string name;
  std::string project;       // absolute project dir
  std::string state;         // running, stopped, incomplete
  std::string container;     // container name
  std::string container_id;
  std::string image;
  unsigned uid = 0;
  unsigned gid = 0;
  std::map<std::string, int> ports;  // service -> host port (127.0.0.1)
  std::string jupyter_url;           // with the token when this user can read it; empty when off
  bool owned = true;                 // belongs to the invoking user
};

}  // namespace dlenv::ops
