#include "util/version.hpp"

#include <cctype>

#include "util/text.hpp"

namespace dlenv {

std::optional<Version> Version::parse(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  std::vector<int> parts;
  for (const auto& piece : split(t, '.')) {
    if (piece.empty() || piece.size() > 9) return std::nullopt;
    auto number = parse_int(piece);  // digits only: no sign, no spaces
    if (!number || piece.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    parts.push_back(static_cast<int>(*number));
  }
  return Version(std::move(parts));
}

Version Version::truncated(size_t n) const {
  std::vector<int> p(parts_.begin(), parts_.begin() + static_cast<long>(std::min(n, parts_.size())));
  return Version(std::move(p));
}

std::string Version::str() const {
  std::vector<std::string> s;
  for (int p : parts_) s.push_back(std::to_string(p));
  return join(s, ".");
}

std::strong_ordering operator<=>(const Version& a, const Version& b) {
  size_t n = std::max(a.parts_.size(), b.parts_.size());
  for (size_t i = 0; i < n; ++i)
    if (auto c = a.part(i) <=> b.part(i); c != 0) return c;
  return std::strong_ordering::equal;
}

bool VersionClause::matches(const Version& v) const {
  if (wildcard) {
    bool prefix = v.truncated(version.size()) == version;
    return op == "!=" ? !prefix : prefix;
  }
  if (op == "==") return v == version;
  if (op == "!=") return v != version;
  if (op == ">=") return v >= version;
  if (op == "<=") return v <= version;
  if (op == ">") return v > version;
  if (op == "<") return v < version;
  if (op == "~=") {  // compatible release: >= version, == version minus its last component
    if (version.size() < 2) return v >= version;
    return v >= version && v.truncated(version.size() - 1) == version.truncated(version.size() - 1);
  }
  return false;
}

std::optional<VersionSpec> VersionSpec::parse(std::string_view text) {
  VersionSpec spec;
  std::string t = trim(text);
  if (t.empty()) return spec;
  for (auto piece : split(t, ',')) {
    piece = trim(piece);
    VersionClause clause;
    for (const char* op : {"==", "!=", ">=", "<=", "~=", ">", "<"}) {
      if (starts_with(piece, op)) {
        clause.op = op;
        break;
      }
    }
    if (clause.op.empty()) return std::nullopt;
    std::string rest = trim(piece.substr(clause.op.size()));
    if (rest.size() >= 2 && rest.substr(rest.size() - 2) == ".*") {
      if (clause.op != "==" && clause.op != "!=") return std::nullopt;
      clause.wildcard = true;
      rest = rest.substr(0, rest.size() - 2);
    }
    auto v = Version::parse(rest);
    if (!v) return std::nullopt;
    clause.version = *v;
    spec.clauses_.push_back(clause);
  }
  return spec;
}

bool VersionSpec::matches(const Version& v) const {
  for (const auto& c : clauses_)
    if (!c.matches(v)) return false;
  return true;
}

std::optional<Version> VersionSpec::exact() const {
  if (clauses_.size() == 1 && clauses_[0].op == "==" && !clauses_[0].wildcard) return clauses_[0].version;
  return std::nullopt;
}

std::string VersionSpec::str() const {
  std::vector<std::string> s;
  for (const auto& c : clauses_) s.push_back(c.op + c.version.str() + (c.wildcard ? ".*" : ""));
  return join(s, ",");
}

}  // namespace dlenv
