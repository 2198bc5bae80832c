#pragma once
// Building EnvViews from what the engine reports (labels are the truth).
#include <optional>
#include <string>

#include "engine/types.hpp"
#include "host/host_facts.hpp"
#include "ops/env_view.hpp"

namespace dlenv::ops {

// The value of `key` in `labels`, or `fallback`.
std::string label_or(const engine::Labels& labels, const std::string& key, std::string fallback = {});

// The TCP port a dlenv.port.* label names; nullopt unless it is a whole number in 1-65535
// (labels may be written by anyone who can use the engine).
std::optional<int> port_of_label(const std::string& value);

// "http://127.0.0.1:PORT/BASE/?token=T" (no token part when `token` is empty).
std::string jupyter_url(int port, const std::string& base_url, const std::optional<std::string>& token);

// The view of a dlenv container; the token is read only for the user's own environments.
EnvView view_of_container(const engine::ContainerInfo& container, const host::HostFacts& host);

}  // namespace dlenv::ops
