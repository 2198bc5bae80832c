#pragma once
// Dotted numeric versions ("525.60.13", "12.1", "8.6") and version requirements
// ("==2.3.1", ">=2.7", "==1.15.*", "<3.13"), as used for drivers, CUDA, compute
// capabilities, Python and framework releases. Missing components compare as 0.
#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv {

class Version {
 public:
  Version() = default;
  explicit Version(std::vector<int> parts) : parts_(std::move(parts)) {}
  // Accepts digits separated by dots ("12", "12.1", "525.60.13"); nullopt otherwise.
  static std::optional<Version> parse(std::string_view text);

  int major() const { return part(0); }
  int minor() const { return part(1); }
  int patch() const { return part(2); }
  int part(size_t i) const { return i < parts_.size() ? parts_[i] : 0; }
  size_t size() const { return parts_.size(); }
  bool empty() const { return parts_.empty(); }
  // The first `n` components ("12.1.105" -> "12.1" for n = 2).
  Version truncated(size_t n) const;
  std::string str() const;

  friend std::strong_ordering operator<=>(const Version& a, const Version& b);
  friend bool operator==(const Version& a, const Version& b) { return (a <=> b) == 0; }

 private:
  std::vector<int> parts_;
};

// One comparison: op is one of == != >= <= > < ~=; "==X.*" matches every X.something.
struct VersionClause {
  std::string op;
  Version version;
  bool wildcard = false;  // "==1.15.*"
  bool matches(const Version& v) const;
};

// A comma-separated conjunction of clauses (">=3.9,<3.13"); empty matches everything.
class VersionSpec {
 public:
  static std::optional<VersionSpec> parse(std::string_view text);
  bool matches(const Version& v) const;
  bool empty() const { return clauses_.empty(); }
  // An exact pin ("==2.3.1" without wildcard) when the spec is one.
  std::optional<Version> exact() const;
  const std::vector<VersionClause>& clauses() const { return clauses_; }
  std::string str() const;

 private:
  std::vector<VersionClause> clauses_;
};

}  // namespace dlenv
