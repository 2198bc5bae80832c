#include "host/cdi_spec.hpp"

#include <set>

#include <fmt/format.h>

namespace dlenv::host {
namespace {

// A YAML double-quoted scalar.
std::string q(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

void device_nodes(std::string& y, const std::string& indent, const std::vector<std::string>& paths) {
  if (paths.empty()) {
    y += indent + "deviceNodes: []\n";
    return;
  }
  y += indent + "deviceNodes:\n";
  for (const auto& p : paths) y += indent + "  - path: " + q(p) + "\n";
}

void device(std::string& y, const std::string& name, const std::vector<std::string>& nodes,
            const std::string& comment = {}) {
  if (!comment.empty()) y += "  # " + comment + "\n";
  y += "  - name: " + q(name) + "\n";
  y += "    containerEdits:\n";
  device_nodes(y, "      ", nodes);
}

}  // namespace

std::string cdi_spec_yaml(const DriverFiles& files, const GpuFacts& facts) {
  std::string y;
  y += "# CDI spec for the NVIDIA GPUs of this host, written by dlenv";
  if (!files.driver_version.empty()) y += " (driver " + files.driver_version + ")";
  y += ".\n";
  y += fmt::format("cdiVersion: {}\n", q(kCdiVersion));
  y += fmt::format("kind: {}\n", q(kCdiKind));
  y += "devices:\n";
  std::set<std::string> names;
  std::vector<std::string> all_nodes;
  for (const auto& node : files.gpu_nodes) {
    all_nodes.push_back(node.path);
    std::string comment;
    for (const auto& gpu : facts.gpus)
      if (gpu.index == node.index && !gpu.name.empty()) {
        // A comment holds anything but a line break.
        for (char c : gpu.name) comment += (c == '\n' || c == '\r') ? ' ' : c;
        comment = fmt::format("GPU {}: {}", node.index, comment);
      }
    std::string by_index = std::to_string(node.index);
    if (names.insert(by_index).second) device(y, by_index, {node.path}, comment);
    if (!node.uuid.empty() && names.insert(node.uuid).second) device(y, node.uuid, {node.path});
  }
  device(y, "all", all_nodes.empty() ? files.control_nodes : all_nodes);

  y += "containerEdits:\n";
  if (!files.control_nodes.empty()) device_nodes(y, "  ", files.control_nodes);
  auto mounts = files.mounts();
  if (!mounts.empty()) {
    y += "  mounts:\n";
    for (const auto& m : mounts) {
      y += "    - hostPath: " + q(m.host_path) + "\n";
      y += "      containerPath: " + q(m.container_path) + "\n";
      y += "      options: [\"ro\", \"nosuid\", \"nodev\", \"bind\"]\n";
    }
  }
  if (files.control_nodes.empty() && mounts.empty()) y += "  {}\n";
  return y;
}

}  // namespace dlenv::host
