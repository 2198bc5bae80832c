#pragma once
// `dlenv base bootstrap debian:SUITE`: a base image made offline from the configured apt
// mirror with mmdebstrap and imported into the engine as dlenv/debian:SUITE. For machines
// that reach a Debian mirror but no image registry.
#include <string>

#include "ops/context.hpp"

namespace dlenv::ops {

struct BootstrapOptions {
  std::string image;  // "debian:bookworm" (also bullseye, trixie, ...)
  bool force = false; // rebuild when the image exists
};

struct BootstrapResult {
  std::string image;  // "dlenv/debian:bookworm"
  std::string id;     // engine image id
  bool created = false;  // false: it existed already
};

Result<BootstrapResult> bootstrap_base(Context& ctx, const BootstrapOptions& options);

}  // namespace dlenv::ops
