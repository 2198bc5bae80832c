#pragma once
// Which environment a command means, once found (ops/project_lookup): enough for a back-end
// to act on it without the project file, which may be gone.
#include <string>

namespace dlenv::backend {

struct EnvRef {
  std::string name;       // env name
  std::string project;    // absolute project dir
  std::string container;  // the back-end's name for it (plan::container_name)
  std::string env_key;    // plan::env_key(project, name)
};

}  // namespace dlenv::backend
