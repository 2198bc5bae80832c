// Reading dlenv.toml: TOML parsing (toml++) and validation into spec value types.
// Every error points at the offending key or value, names its dotted path and has a hint.
#include "spec/loader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "spec/names.hpp"
#include "spec/settings.hpp"
#include "spec/toml_text.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

namespace dlenv::spec {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopLevelKeys = {"env", "envs", "settings"};
const std::vector<std::string> kEnvKeys = {"base",    "framework", "python", "cuda",   "gpus",
                                           "apt",     "pip",       "requirements",    "shm_size",
                                           "workdir", "jupyter",   "mounts", "env",    "ssh",
                                           "memory",  "cpus",      "pids_limit", "restart"};
const std::vector<std::string> kSshKeys = {"enabled", "authorized_keys"};
const std::vector<std::string> kMountTableKeys = {"target", "read_only", "allow"};

constexpr std::string_view kExampleBase = "dlenv/debian:bookworm";
constexpr std::string_view kNoProjectHint = "run 'dlenv init' to create one, or pass --project DIR";

// The document being read: where errors point and what relative paths resolve against.
struct Document {
  std::string file;  // absolute path, as shown in error locations
  fs::path dir;      // the project directory
};

// One key = value of a table.
struct Entry {
  const toml::key* key;
  const toml::node* value;
};

SourceLocation location(const Document& doc, const toml::source_region& region) {
  return SourceLocation{doc.file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::unexpected<Error> config_error(const Document& doc, const toml::source_region& region, std::string message,
                                    std::string hint) {
  return fail(Error(ErrorCode::config, std::move(message), std::move(hint)).at(location(doc, region)));
}

bool comes_before(const toml::source_region& a, const toml::source_region& b) {
  if (a.begin.line != b.begin.line) return a.begin.line < b.begin.line;
  return a.begin.column < b.begin.column;
}

// toml++ tables are sorted by key; users expect the order they wrote.
std::vector<Entry> entries_in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (const auto& [key, value] : table) entries.push_back(Entry{&key, &value});
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return comes_before(a.key->source(), b.key->source()); });
  return entries;
}

// "a string", "an integer", ...: what was found where something else was expected.
std::string_view describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::unexpected<Error> wrong_type(const Document& doc, const toml::node& node, std::string_view path,
                                  std::string_view expected, std::string hint) {
  return config_error(doc, node.source(),
                      fmt::format("'{}' must be {}, not {}", path, expected, describe_type(node)), std::move(hint));
}

// The allowed key that `key` is probably a misspelling of; ties go to the earlier candidate.
std::optional<std::string> suggest_key(std::string_view key, const std::vector<std::string>& candidates) {
  const std::string lowered = to_lower(key);
  for (const auto& candidate : candidates)
    if (candidate == lowered) return candidate;
  return closest_match(key, candidates);
}

std::string unknown_key_hint(std::string_view key, const std::vector<std::string>& allowed) {
  if (auto match = suggest_key(key, allowed)) return fmt::format("did you mean '{}'?", *match);
  return fmt::format("allowed keys here: {}", join(allowed, ", "));
}

std::unexpected<Error> unknown_key(const Document& doc, const Entry& entry, std::string_view path,
                                   const std::vector<std::string>& allowed) {
  return config_error(doc, entry.key->source(), fmt::format("unknown key '{}'", path),
                      unknown_key_hint(entry.key->str(), allowed));
}

// An absolute, lexically normal path without a trailing separator. Empty means ".".
Result<fs::path> absolute_path(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path.empty() ? fs::path(".") : path, ec);
  if (ec)
    return fail(ErrorCode::io, fmt::format("cannot resolve '{}': {}", path.string(), ec.message()),
                "check that the current folder still exists");
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute != absolute.root_path()) absolute = absolute.parent_path();
  return absolute;
}

// ---- scalar values ----

Result<std::string> read_string(const Document& doc, const toml::node& node, std::string_view path,
                                std::string hint) {
  const auto* string = node.as_string();
  if (!string) return wrong_type(doc, node, path, "a string", std::move(hint));
  const std::string& text = string->get();
  if (text.size() > kMaxValueLength)
    return config_error(doc, node.source(),
                        fmt::format("'{}' is {} characters long; at most {} are allowed", path, text.size(),
                                    kMaxValueLength),
                        "shorten the value");
  if (has_control_char(text))
    return config_error(doc, node.source(),
                        fmt::format("'{}' contains a control character: \"{}\"", path, abbreviate(text)),
                        "remove newlines, tabs and other control characters (\\n, \\t, \\u0000, ...) from the value");
  return text;
}

Result<bool> read_bool(const Document& doc, const toml::node& node, std::string_view path, std::string hint) {
  const auto* boolean = node.as_boolean();
  if (!boolean) return wrong_type(doc, node, path, "a boolean", std::move(hint));
  return boolean->get();
}

// `jupyter = true | false | "lab" | "notebook" | "server"`.
Status read_jupyter(const Document& doc, const toml::node& node, std::string_view path, EnvSpec& env) {
  static constexpr std::string_view kHint =
      "use jupyter = true (the best UI the base can have), \"lab\", \"notebook\", \"server\" or false";
  if (const auto* on = node.as_boolean()) {
    env.jupyter = on->get();
    return {};
  }
  const auto* text = node.as_string();
  if (!text) return wrong_type(doc, node, path, "a boolean or a string", std::string(kHint));
  for (JupyterUi ui : {JupyterUi::lab, JupyterUi::notebook, JupyterUi::server}) {
    if (text->get() != to_string(ui)) continue;
    env.jupyter = true;
    env.jupyter_ui = ui;
    return {};
  }
  return config_error(doc, node.source(), fmt::format("'{}' cannot be \"{}\"", path, abbreviate(text->get())),
                      std::string(kHint));
}

Result<std::vector<std::string>> read_string_array(const Document& doc, const toml::node& node,
                                                   std::string_view path, const std::string& hint) {
  const auto* array = node.as_array();
  if (!array) return wrong_type(doc, node, path, "an array of strings", hint);
  std::vector<std::string> items;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    if (!item.is_string())
      return config_error(doc, item.source(),
                          fmt::format("'{}' must be an array of strings, but item {} is {}", path, i + 1,
                                      describe_type(item)),
                          hint);
    items.push_back(DLENV_TRY(read_string(doc, item, path, hint)));
  }
  return items;
}

// "~/x" -> $HOME/x; relative -> against the project dir; then normalized.
Result<fs::path> resolve_host_path(const Document& doc, const std::string& text, const toml::source_region& region,
                                   std::string_view path) {
  if (text.size() > kMaxValueLength || has_control_char(text))
    return config_error(doc, region, fmt::format("host path \"{}\" in '{}' is not usable", abbreviate(text), path),
                        "write a path without newlines, tabs or other control characters");
  fs::path host;
  if (text == "~" || text.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (!home || !*home)
      return config_error(doc, region, fmt::format("cannot expand '~' in '{}': HOME is not set", path),
                          "set HOME, or write the absolute path");
    host = fs::path(home) / text.substr(std::min<size_t>(2, text.size()));
  } else if (text.starts_with("~")) {
    return config_error(doc, region, fmt::format("cannot expand '{}' in '{}'", text, path),
                        "only '~/' (your home folder) is expanded; write the absolute path instead");
  } else {
    host = fs::path(text);
  }
  if (host.is_relative()) host = doc.dir / host;
  host = host.lexically_normal();
  if (!host.has_filename() && host != host.root_path()) host = host.parent_path();
  return host;
}

// An absolute container path other than "/", normalized ("/data/" -> "/data").
Result<std::string> read_container_path(const Document& doc, const toml::node& node, std::string_view path,
                                        const std::string& hint) {
  std::string text = DLENV_TRY(read_string(doc, node, path, hint));
  if (!text.starts_with("/"))
    return config_error(doc, node.source(),
                        fmt::format("'{}' must be an absolute container path, not '{}'", path, text), hint);
  std::string normal = fs::path(text).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  if (normal == "/")
    return config_error(doc, node.source(), fmt::format("'{}' cannot be '/', the container's root", path), hint);
  return normal;
}

// ---- environment keys ----

Result<std::string> read_base(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = fmt::format("for example: base = \"{}\"", kExampleBase);
  std::string base = DLENV_TRY(read_string(doc, node, path, hint));
  if (!is_valid_image_reference(base))
    return config_error(
        doc, node.source(), fmt::format("invalid image reference '{}' in '{}'", base, path),
        fmt::format("use [registry/]name[:tag][@sha256:digest] with a lowercase name, for example \"{}\"",
                    kExampleBase));
  return base;
}

Result<std::vector<std::string>> read_apt(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "for example: apt = [\"git\", \"python3-numpy\"]";
  auto packages = DLENV_TRY(read_string_array(doc, node, path, hint));
  const auto& array = *node.as_array();
  for (size_t i = 0; i < packages.size(); ++i) {
    if (!is_valid_apt_package(packages[i]))
      return config_error(doc, array.get(i)->source(),
                          fmt::format("invalid apt package '{}' in '{}'", packages[i], path),
                          "Debian package names use lowercase letters, digits, '+', '.' and '-', optionally "
                          "followed by =VERSION (e.g. \"curl\" or \"curl=7.88.1-10\")");
  }
  return packages;
}

Result<std::vector<std::string>> read_pip(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "for example: pip = [\"torch==2.3.1\", \"transformers\"]";
  auto requirements = DLENV_TRY(read_string_array(doc, node, path, hint));
  const auto& array = *node.as_array();
  for (size_t i = 0; i < requirements.size(); ++i) {
    requirements[i] = trim(requirements[i]);
    if (requirements[i].empty())
      return config_error(doc, array.get(i)->source(), fmt::format("empty pip requirement in '{}'", path),
                          "remove it, or write a requirement such as \"numpy>=1.26\"");
    if (requirements[i].starts_with("-"))
      return config_error(doc, array.get(i)->source(),
                          fmt::format("'{}' in '{}' is a pip option, not a requirement", abbreviate(requirements[i]), path),
                          "dlenv passes no pip options from the project file; package indexes come from the "
                          "framework's resolution");
    if (!is_valid_pip_requirement(requirements[i]))
      return config_error(doc, array.get(i)->source(),
                          fmt::format("'{}' in '{}' is not a Python requirement", abbreviate(requirements[i]), path),
                          "write NAME, NAME==VERSION, NAME[EXTRA]>=VERSION or NAME @ URL (PEP 508), one per item");
  }
  return requirements;
}

// A host file that must exist (requirements, authorized keys); relative to the project.
Result<fs::path> read_existing_file(const Document& doc, const toml::node& node, std::string_view path,
                                    std::string_view what, const std::string& hint) {
  std::string text = DLENV_TRY(read_string(doc, node, path, hint));
  if (trim(text).empty())
    return config_error(doc, node.source(), fmt::format("'{}' must not be empty", path), hint);
  fs::path file = DLENV_TRY(resolve_host_path(doc, text, node.source(), path));
  std::error_code ec;
  fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status))
    return config_error(doc, node.source(), fmt::format("{} '{}' ({}) does not exist", what, text, path),
                        fmt::format("looked for {}; relative paths start at the project folder", file.string()));
  if (!fs::is_regular_file(status))
    return config_error(doc, node.source(), fmt::format("{} '{}' ({}) is not a regular file", what, text, path),
                        fmt::format("{} must be a regular file", file.string()));
  return file;
}

// A requirements file holds requirements only, one per line: a PEP 508 requirement,
// optionally followed by --hash=... options (pip's hash-checking mode). Anything pip would
// read as an option of its own (--index-url, --trusted-host, -r, -e, per-requirement
// --config-settings) is refused, and so are line continuations, with which pip joins lines
// into options.
Status check_requirements_text(const fs::path& file, const std::string& text) {
  int number = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++number;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const SourceLocation where{file.string(), number, 1};
    auto refuse = [&](std::string message, std::string hint) {
      return fail(Error(ErrorCode::config, std::move(message), std::move(hint)).at(where));
    };
    if (has_control_char(line))
      return refuse("the requirements file has a control character on this line", "remove it; each line is one requirement");
    std::string content = trim(line);
    if (content.starts_with("#") || content.empty()) continue;
    if (size_t comment = content.find(" #"); comment != std::string::npos) content = trim(content.substr(0, comment));
    if (content.ends_with("\\"))
      return refuse("a line continuation ('\\' at the end) in a requirements file",
                    "write each requirement on one line");
    if (content.starts_with("-"))
      return refuse(fmt::format("pip option '{}' in a requirements file", abbreviate(content, 60)),
                    "dlenv passes no pip options from the project; package indexes come from the framework's "
                    "resolution. Remove the line (list the packages of another file here directly)");
    std::string requirement = content;
    if (size_t option = content.find(" -"); option != std::string::npos) {
      requirement = trim(content.substr(0, option));
      for (const auto& word : split(content.substr(option + 1), ' '))
        if (!word.empty() && !word.starts_with("--hash="))
          return refuse(fmt::format("pip option '{}' after a requirement", abbreviate(word, 60)),
                        "only --hash=ALGORITHM:DIGEST may follow a requirement");
    }
    if (!is_valid_pip_requirement(requirement))
      return refuse(fmt::format("'{}' is not a Python requirement", abbreviate(requirement, 60)),
                    "write NAME, NAME==VERSION, NAME[EXTRA]>=VERSION or NAME @ URL (PEP 508), one per line");
  }
  return {};
}

Result<fs::path> read_requirements(const Document& doc, const toml::node& node, std::string_view path) {
  fs::path file = DLENV_TRY(read_existing_file(
      doc, node, path, "requirements file",
      "for example: requirements = \"requirements.txt\" (relative to the project folder)"));
  auto text = read_file(file);
  if (!text)
    return config_error(doc, node.source(), fmt::format("cannot read the requirements file ({}): {}", path, text.error().message),
                        "check that the file is readable by you");
  DLENV_TRY_VOID(check_requirements_text(file, *text));
  return file;
}

Result<int64_t> read_shm_size(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "use a size such as \"2g\" or \"512m\", or a number of bytes";
  if (const auto* integer = node.as_integer()) {
    if (integer->get() <= 0)
      return config_error(doc, node.source(),
                          fmt::format("'{}' must be greater than zero, not {}", path, integer->get()), hint);
    return integer->get();
  }
  if (!node.is_string()) return wrong_type(doc, node, path, "a size string or an integer", hint);
  std::string text = DLENV_TRY(read_string(doc, node, path, hint));
  std::optional<int64_t> bytes = parse_byte_size(text);
  if (!bytes) return config_error(doc, node.source(), fmt::format("invalid size '{}' in '{}'", text, path), hint);
  if (*bytes <= 0)
    return config_error(doc, node.source(), fmt::format("'{}' must be greater than zero, not '{}'", path, text),
                        hint);
  return *bytes;
}

Result<double> read_cpus(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "for example: cpus = 4 or cpus = 2.5 (CPU time the environment may use)";
  double value = 0;
  if (const auto* integer = node.as_integer()) value = static_cast<double>(integer->get());
  else if (const auto* real = node.as_floating_point()) value = real->get();
  else return wrong_type(doc, node, path, "a number", hint);
  if (!(value >= 0.01 && value <= 4096))
    return config_error(doc, node.source(), fmt::format("'{}' must be between 0.01 and 4096, not {}", path, value), hint);
  return value;
}

Result<int64_t> read_pids_limit(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "for example: pids_limit = 8192 (processes and threads in the environment)";
  const auto* integer = node.as_integer();
  if (!integer) return wrong_type(doc, node, path, "an integer", hint);
  if (integer->get() < 64 || integer->get() > 4194304)
    return config_error(doc, node.source(), fmt::format("'{}' must be between 64 and 4194304, not {}", path, integer->get()), hint);
  return integer->get();
}

// A cursor over a short string, for the hand-written grammars below (no std::regex on user
// input: libstdc++'s matcher recurses per character and overflows the stack on long input).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_spaces() {
    while (!done() && (peek() == ' ')) ++pos_;
  }
  bool take(std::string_view word) {
    if (text_.substr(pos_).starts_with(word)) {
      pos_ += word.size();
      return true;
    }
    return false;
  }
  // Takes one or more characters that satisfy `ok`; false when there is none.
  template <class Pred>
  bool take_run(Pred ok) {
    size_t start = pos_;
    while (!done() && ok(peek())) ++pos_;
    return pos_ > start;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }

// One of ==, !=, >=, <=, ~=, >, < followed by a version such as 2.3.1, 1.15.* or 2.7rc1.
bool take_version_clause(Scanner& in) {
  bool op = in.take("==") || in.take("!=") || in.take(">=") || in.take("<=") || in.take("~=") || in.take(">") ||
            in.take("<");
  if (!op) return false;
  in.skip_spaces();
  if (!is_ascii_digit(in.peek())) return false;
  in.take_run([](char c) { return is_ascii_alnum(c) || c == '.' || c == '*'; });
  in.skip_spaces();
  return true;
}

// "torch", "torch==2.3.1", "tensorflow==1.15.*", "jax[cuda12]>=0.4": a name, optional
// extras, optional comma-separated version clauses.
bool is_framework_requirement(std::string_view text) {
  Scanner in(text);
  if (!is_ascii_alpha(in.peek())) return false;
  in.take_run([](char c) { return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-'; });
  if (in.take("[")) {
    if (!in.take_run([](char c) { return is_ascii_alnum(c) || c == '_' || c == ',' || c == '-'; })) return false;
    if (!in.take("]")) return false;
  }
  in.skip_spaces();
  if (in.done()) return true;
  if (!take_version_clause(in)) return false;
  while (in.take(",")) {
    in.skip_spaces();
    if (!take_version_clause(in)) return false;
  }
  return in.done();
}

const std::string kFrameworkHint =
    "for example: framework = \"torch==2.3.1\", \"torch>=2.7\", \"tensorflow==1.15.*\" or \"jax\"";

Result<std::string> read_framework(const Document& doc, const toml::node& node, std::string_view path) {
  std::string text = trim(DLENV_TRY(read_string(doc, node, path, kFrameworkHint)));
  if (!is_framework_requirement(text))
    return config_error(doc, node.source(),
                        fmt::format("'{}' in '{}' is not a framework requirement", abbreviate(text), path),
                        kFrameworkHint);
  return text;
}

// "3.11": 3, a dot, one or two digits.
bool is_python_version(std::string_view text) {
  if (text.size() < 3 || text.size() > 4 || !text.starts_with("3.")) return false;
  return std::all_of(text.begin() + 2, text.end(), is_ascii_digit);
}

Result<std::string> read_python(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "for example: python = \"3.11\"";
  std::string text = trim(DLENV_TRY(read_string(doc, node, path, hint)));
  if (!is_python_version(text))
    return config_error(doc, node.source(), fmt::format("'{}' in '{}' is not a Python version", abbreviate(text), path), hint);
  return text;
}

// "auto", "none" or MAJOR.MINOR with one or two digits each.
bool is_cuda_choice(std::string_view text) {
  if (text == "auto" || text == "none") return true;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  auto part_ok = [](std::string_view p) { return !p.empty() && p.size() <= 2 && std::all_of(p.begin(), p.end(), is_ascii_digit); };
  return part_ok(text.substr(0, dot)) && part_ok(text.substr(dot + 1));
}

Result<std::string> read_cuda(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "use cuda = \"auto\" (chosen for this driver and GPU), \"none\" (CPU only) or a version like \"12.1\"";
  std::string text = trim(DLENV_TRY(read_string(doc, node, path, hint)));
  if (!is_cuda_choice(text))
    return config_error(doc, node.source(), fmt::format("'{}' in '{}' is not a CUDA choice", abbreviate(text), path), hint);
  return text;
}

// "GPU-..." or "MIG-..." as nvidia-smi prints them (at most 128 characters).
bool is_gpu_uuid(std::string_view text) {
  constexpr size_t kMaxUuidLength = 128;
  if (text.size() > kMaxUuidLength || !(text.starts_with("GPU-") || text.starts_with("MIG-")) || text.size() == 4)
    return false;
  return std::all_of(text.begin() + 4, text.end(), [](char c) { return is_ascii_alnum(c) || c == '-'; });
}

Result<GpuRequest> read_gpus(const Document& doc, const toml::node& node, std::string_view path) {
  const std::string hint = "use gpus = \"all\", \"none\", a number of GPUs, or a list of indexes and UUIDs like [0, \"GPU-...\"]";
  GpuRequest request;
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0 || integer->get() > 64)
      return config_error(doc, node.source(), fmt::format("'{}' must be between 0 and 64, not {}", path, integer->get()), hint);
    request.kind = integer->get() == 0 ? GpuRequest::Kind::none : GpuRequest::Kind::count;
    request.count = static_cast<int>(integer->get());
    return request;
  }
  if (const auto* text = node.as_string()) {
    if (text->get() == "all") request.kind = GpuRequest::Kind::all;
    else if (text->get() == "none") request.kind = GpuRequest::Kind::none;
    else return config_error(doc, node.source(), fmt::format("'{}' in '{}' is not a GPU choice", text->get(), path), hint);
    return request;
  }
  const auto* array = node.as_array();
  if (!array) return wrong_type(doc, node, path, "\"all\", \"none\", an integer or an array", hint);
  request.kind = GpuRequest::Kind::devices;
  for (const auto& item : *array) {
    if (const auto* index = item.as_integer(); index && index->get() >= 0) {
      request.devices.push_back(std::to_string(index->get()));
    } else if (const auto* id = item.as_string(); id && is_gpu_uuid(id->get())) {
      request.devices.push_back(id->get());
    } else {
      return config_error(doc, item.source(), fmt::format("'{}' lists a GPU that is neither an index nor a UUID", path), hint);
    }
  }
  if (request.devices.empty()) request.kind = GpuRequest::Kind::none;
  return request;
}

// The dlenv container path that `path` is, is inside, or holds; nullopt when none.
std::optional<std::string_view> reserved_clash(const std::string& path) {
  for (std::string_view reserved : {kSecretsMountPoint, kCacheMountRoot}) {
    const std::string r(reserved);
    if (path == r || path.starts_with(r + "/") || r.starts_with(path + "/")) return reserved;
  }
  return std::nullopt;
}

// Variables dlenv sets itself and a project may not change: the user, its own settings. (The
// cache variables may point elsewhere: that only moves a cache.)
std::optional<std::string> reserved_env_var(const std::string& name) {
  if (name.starts_with("DLENV_")) return "dlenv's own settings";
  for (const char* n : {"HOME", "USER"})
    if (name == n) return "the container user's";
  if (name == "LD_PRELOAD") return "it would load code into every program";
  return std::nullopt;
}

Result<std::map<std::string, std::string>> read_env_vars(const Document& doc, const toml::node& node,
                                                         std::string_view path) {
  if (!node.is_table())
    return wrong_type(doc, node, path, "a table",
                      fmt::format("for example: [{}] with MY_VAR = \"1\" on the next line", path));
  std::map<std::string, std::string> vars;
  for (const Entry& entry : entries_in_file_order(*node.as_table())) {
    const std::string name(entry.key->str());
    const std::string var_path = toml_key_path(path, name);
    if (!is_valid_env_var_name(name))
      return config_error(doc, entry.key->source(),
                          fmt::format("invalid environment variable name '{}' in '{}'", name, path),
                          "names use letters, digits and '_' and do not start with a digit, e.g. MY_VAR");
    if (auto why = reserved_env_var(name))
      return config_error(doc, entry.key->source(), fmt::format("'{}' is set by dlenv ({})", var_path, *why),
                          "remove it; 'dlenv exec ENV -- env' shows what dlenv sets");
    const toml::node& value = *entry.value;
    if (const auto* integer = value.as_integer()) {
      vars[name] = fmt::format("{}", integer->get());
    } else if (const auto* boolean = value.as_boolean()) {
      vars[name] = boolean->get() ? "true" : "false";
    } else if (value.is_string()) {
      vars[name] = DLENV_TRY(read_string(doc, value, var_path, ""));
    } else {
      return wrong_type(doc, value, var_path, "a string, integer or boolean",
                        fmt::format("quote the value, e.g. {} = \"1\"", toml_key(name)));
    }
  }
  return vars;
}

// A mount as read, with what later checks need to point at it.
struct MountEntry {
  MountSpec spec;
  toml::source_region target_region;
  std::string path;  // the dotted path of the mount's key
};

Result<MountEntry> read_mount(const Document& doc, const Entry& entry, std::string_view mounts_path) {
  const std::string host_text(entry.key->str());
  const std::string path = toml_key_path(mounts_path, host_text);
  const std::string hint = "for example: \"data\" = \"/data\" or \"data\" = { target = \"/data\", read_only = true }";
  if (trim(host_text).empty())
    return config_error(doc, entry.key->source(), fmt::format("empty host path in '{}'", mounts_path),
                        "write the host folder as the key, for example: \"data\" = \"/data\"");
  MountEntry mount;
  mount.path = path;
  mount.spec.host = DLENV_TRY(resolve_host_path(doc, host_text, entry.key->source(), path));

  const toml::node* target = entry.value;
  std::string target_path = path;
  if (const auto* table = entry.value->as_table()) {
    target = nullptr;
    for (const Entry& option : entries_in_file_order(*table)) {
      const std::string key(option.key->str());
      const std::string option_path = toml_key_path(path, key);
      if (key == "target") {
        target = option.value;
        target_path = option_path;
      } else if (key == "read_only") {
        mount.spec.read_only = DLENV_TRY(read_bool(doc, *option.value, option_path, "use read_only = true or false"));
      } else if (key == "allow") {
        mount.spec.allow = DLENV_TRY(read_bool(
            doc, *option.value, option_path,
            "use allow = true to mount a sensitive folder (your home, a system folder) on purpose"));
      } else {
        return unknown_key(doc, option, option_path, kMountTableKeys);
      }
    }
    if (!target)
      return config_error(doc, entry.value->source(), fmt::format("'{}' is missing the required key 'target'", path),
                          "for example: \"data\" = { target = \"/data\", read_only = true }");
  } else if (!entry.value->is_string()) {
    return wrong_type(doc, *entry.value, path, "a container path or a table", hint);
  }
  mount.spec.container = DLENV_TRY(read_container_path(doc, *target, target_path, hint));
  mount.target_region = target->source();
  if (auto reserved = reserved_clash(mount.spec.container))
    return config_error(doc, target->source(),
                        fmt::format("mount target '{}' ({}) is where dlenv mounts its own {}", mount.spec.container,
                                    target_path, *reserved == kCacheMountRoot ? "caches" : "secrets"),
                        fmt::format("choose a container path that neither holds nor is inside {}", *reserved));
  mount.spec.where = location(doc, entry.key->source());
  return mount;
}

Result<std::vector<MountEntry>> read_mounts(const Document& doc, const toml::node& node, std::string_view path) {
  if (!node.is_table())
    return wrong_type(doc, node, path, "a table",
                      fmt::format("for example: [{}] with \"data\" = \"/data\" on the next line", path));
  std::vector<MountEntry> mounts;
  for (const Entry& entry : entries_in_file_order(*node.as_table())) {
    MountEntry mount = DLENV_TRY(read_mount(doc, entry, path));
    for (const MountEntry& earlier : mounts)
      if (earlier.spec.container == mount.spec.container)
        return config_error(doc, mount.target_region,
                            fmt::format("mount target '{}' ({}) is already used by {}", mount.spec.container,
                                        mount.path, earlier.path),
                            "give each mount its own container path");
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::string unknown_env_key_hint(const Entry& entry, std::string_view env_path) {
  const std::string key(entry.key->str());
  // [envs.py3.11] makes a table "11" inside envs.py3: the '.' needed quotes.
  if (!suggest_key(key, kEnvKeys) && entry.value->is_table() && !entry.value->as_table()->is_inline() && env_path.starts_with("envs."))
    return fmt::format("to use a '.' in an environment name, quote it: [envs.\"{}.{}\"]",
                       env_path.substr(5), key);
  return unknown_key_hint(key, kEnvKeys);
}

// [envs.NAME.ssh]: enabled, authorized_keys.
Status read_ssh_table(const Document& doc, const toml::node& value, const std::string& key_path, EnvSpec& env) {
  if (!value.is_table())
    return wrong_type(doc, value, key_path, "a table",
                      fmt::format("for example: [{}] with enabled = false on the next line", key_path));
  for (const Entry& option : entries_in_file_order(*value.as_table())) {
    const std::string option_key(option.key->str());
    const std::string option_path = toml_key_path(key_path, option_key);
    if (option_key == "enabled") {
      env.ssh = DLENV_TRY(read_bool(doc, *option.value, option_path, "use enabled = true or enabled = false"));
    } else if (option_key == "authorized_keys") {
      env.authorized_keys = DLENV_TRY(read_existing_file(
          doc, *option.value, option_path, "authorized keys file",
          "for example: authorized_keys = \"~/.ssh/id_ed25519.pub\" (one or more public keys)"));
    } else {
      return config_error(doc, option.key->source(), fmt::format("unknown key '{}'", option_path),
                          unknown_key_hint(option_key, kSshKeys));
    }
  }
  return {};
}

// What reading an environment's keys collects besides the EnvSpec.
struct EnvReadState {
  bool has_base = false;
  std::vector<MountEntry> mounts;
  const toml::node* workdir_node = nullptr;
};

// One key of an environment table.
Status read_env_entry(const Document& doc, const Entry& entry, const std::string& path, EnvSpec& env, EnvReadState& state) {
  const std::string key(entry.key->str());
  const std::string key_path = toml_key_path(path, key);
  const toml::node& value = *entry.value;
  if (key == "base") {
    env.base = DLENV_TRY(read_base(doc, value, key_path));
    state.has_base = true;
  } else if (key == "framework") {
    env.framework = DLENV_TRY(read_framework(doc, value, key_path));
    env.framework_where = location(doc, value.source());
  } else if (key == "python") {
    env.python = DLENV_TRY(read_python(doc, value, key_path));
  } else if (key == "cuda") {
    env.cuda = DLENV_TRY(read_cuda(doc, value, key_path));
  } else if (key == "gpus") {
    env.gpus = DLENV_TRY(read_gpus(doc, value, key_path));
  } else if (key == "apt") {
    env.apt = DLENV_TRY(read_apt(doc, value, key_path));
  } else if (key == "pip") {
    env.pip = DLENV_TRY(read_pip(doc, value, key_path));
  } else if (key == "requirements") {
    env.requirements = DLENV_TRY(read_requirements(doc, value, key_path));
  } else if (key == "shm_size") {
    env.shm_size = DLENV_TRY(read_shm_size(doc, value, key_path));
  } else if (key == "memory") {
    env.memory = DLENV_TRY(read_shm_size(doc, value, key_path));
    if (*env.memory < int64_t{64} * 1024 * 1024)
      return config_error(doc, value.source(), fmt::format("'{}' must be at least 64m", key_path),
                          "for example: memory = \"16g\"");
  } else if (key == "cpus") {
    env.cpus = DLENV_TRY(read_cpus(doc, value, key_path));
  } else if (key == "restart") {
    static const std::string kRestartHint = "use restart = \"unless-stopped\" (the default: back after a reboot) or restart = \"no\"";
    env.restart = DLENV_TRY(read_string(doc, value, key_path, kRestartHint));
    if (env.restart != "unless-stopped" && env.restart != "no")
      return config_error(doc, value.source(), fmt::format("'{}' cannot be \"{}\"", key_path, abbreviate(env.restart)), kRestartHint);
  } else if (key == "pids_limit") {
    env.pids_limit = DLENV_TRY(read_pids_limit(doc, value, key_path));
  } else if (key == "workdir") {
    env.workdir = DLENV_TRY(read_container_path(doc, value, key_path, "for example: workdir = \"/workspace\""));
    if (auto reserved = reserved_clash(env.workdir))
      return config_error(doc, value.source(), fmt::format("'{}' cannot be '{}': dlenv mounts {} there", key_path, env.workdir, *reserved),
                          "for example: workdir = \"/workspace\"");
    state.workdir_node = &value;
  } else if (key == "jupyter") {
    DLENV_TRY_VOID(read_jupyter(doc, value, key_path, env));
  } else if (key == "mounts") {
    state.mounts = DLENV_TRY(read_mounts(doc, value, key_path));
  } else if (key == "env") {
    env.env = DLENV_TRY(read_env_vars(doc, value, key_path));
  } else if (key == "ssh") {
    DLENV_TRY_VOID(read_ssh_table(doc, value, key_path, env));
  } else {
    return config_error(doc, entry.key->source(), fmt::format("unknown key '{}'", key_path),
                        unknown_env_key_hint(entry, path));
  }
  return {};
}

// The project folder is mounted at workdir; another mount there would hide it.
Status place_mounts(const Document& doc, const std::string& path, EnvReadState& state, EnvSpec& env) {
  for (MountEntry& mount : state.mounts) {
    if (mount.spec.container == env.workdir)
      return config_error(
          doc, mount.target_region,
          fmt::format("mount target '{}' ({}) is the workdir, where the project folder is mounted",
                      mount.spec.container, mount.path),
          state.workdir_node ? fmt::format("choose another container path, or change {}.workdir", path)
                       : fmt::format("choose another container path, or set {}.workdir", path));
    env.mounts.push_back(std::move(mount.spec));
  }
  return {};
}

// One environment table; `name_key` is where it was named (for locations).
Result<EnvSpec> read_env(const Document& doc, std::string name, const toml::key& name_key, const toml::node& node,
                         const std::string& path) {
  if (!node.is_table())
    return wrong_type(doc, node, path, "a table",
                      fmt::format("define it as a table: [{}] with base = \"{}\" on the next line", path,
                                  kExampleBase));
  EnvSpec env;
  env.name = std::move(name);
  env.where = location(doc, name_key.source());
  EnvReadState state;
  for (const Entry& entry : entries_in_file_order(*node.as_table())) DLENV_TRY_VOID(read_env_entry(doc, entry, path, env, state));
  if (!state.has_base && !env.framework)
    return config_error(doc, name_key.source(), fmt::format("'{}' needs 'base' or 'framework'", path),
                        fmt::format("add base = \"{}\" (the image to build on) or framework = \"torch\" (dlenv "
                                    "chooses the image for this driver and GPU)",
                                    kExampleBase));
  DLENV_TRY_VOID(place_mounts(doc, path, state, env));
  return env;
}

// ---- the whole document ----

const toml::source_region& later_of(const toml::source_region& a, const toml::source_region& b) {
  return comes_before(a, b) ? b : a;
}

// "evns" is as close to "env" as to "envs": a table with a base is one environment.
std::unexpected<Error> unknown_top_level_key(const Document& doc, const Entry& entry) {
  const std::string key(entry.key->str());
  const bool looks_like_one_env = entry.value->is_table() && entry.value->as_table()->contains("base");
  const std::vector<std::string> candidates =
      looks_like_one_env ? std::vector<std::string>{"env", "envs", "settings"} : std::vector<std::string>{"envs", "env", "settings"};
  auto match = suggest_key(key, candidates);
  return config_error(doc, entry.key->source(), fmt::format("unknown key '{}'", toml_key(key)),
                      match ? fmt::format("did you mean '{}'?", *match)
                            : fmt::format("allowed keys here: {}", join(kTopLevelKeys, ", ")));
}

Result<ProjectSpec> read_project(const Document& doc, const toml::table& root) {
  std::optional<Entry> single_env;  // [env]
  std::optional<Entry> named_envs;  // [envs.*]
  for (const Entry& entry : entries_in_file_order(root)) {
    const std::string key(entry.key->str());
    if (key == "env") single_env = entry;
    else if (key == "envs") named_envs = entry;
    else if (key == "settings") continue;  // read by spec/settings (parse_project checks it)
    else return unknown_top_level_key(doc, entry);
  }

  ProjectSpec project;
  if (single_env) {
    std::string name = env_name_from_folder(doc.dir.filename().string());
    if (named_envs) {
      const auto& second = later_of(single_env->key->source(), named_envs->key->source());
      const auto* table = named_envs->value->as_table();
      if (table && table->contains(name))
        return config_error(doc, second,
                            fmt::format("duplicate environment '{}': 'env' (named after the project folder) and '{}'",
                                        name, toml_key_path("envs", name)),
                            fmt::format("rename [{}], or move [env] to [envs.<name>]", toml_key_path("envs", name)));
      return config_error(doc, second, "'env' and 'envs' cannot be used together",
                          fmt::format("[env] is one environment named '{}'; move it to [{}]", name,
                                      toml_key_path("envs", name)));
    }
    project.envs.push_back(DLENV_TRY(read_env(doc, std::move(name), *single_env->key, *single_env->value, "env")));
  } else if (named_envs) {
    const auto* table = named_envs->value->as_table();
    if (!table)
      return wrong_type(doc, *named_envs->value, "envs", "a table",
                        fmt::format("define environments as tables: [envs.demo] with base = \"{}\"", kExampleBase));
    for (const Entry& entry : entries_in_file_order(*table)) {
      const std::string name(entry.key->str());
      const std::string path = toml_key_path("envs", name);
      if (!is_valid_env_name(name))
        return config_error(doc, entry.key->source(), fmt::format("invalid environment name '{}' in 'envs'", name),
                            fmt::format("names are 1-63 lowercase letters, digits, '_', '.' or '-', starting with "
                                        "a letter or digit; for example '{}'",
                                        env_name_from_folder(name)));
      project.envs.push_back(DLENV_TRY(read_env(doc, name, *entry.key, *entry.value, path)));
    }
  }

  if (project.envs.empty()) {
    const std::string hint = fmt::format("add one, for example [envs.demo] with base = \"{}\"", kExampleBase);
    if (named_envs) return config_error(doc, named_envs->key->source(), "no environments defined", hint);
    return fail(Error(ErrorCode::config, "no environments defined", hint).at(SourceLocation{doc.file, 1, 1}));
  }
  return project;
}

// toml++ descriptions start with a capital ("Error while parsing ...") and may span lines.
std::string one_line_lowercase(std::string_view text) {
  std::string line = trim(text);
  std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (!line.empty()) line[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(line[0])));
  return line;
}

}  // namespace

Result<ProjectSpec> parse_project(std::string_view text, const fs::path& file) {
  fs::path absolute_file = DLENV_TRY(absolute_path(file));
  Document doc{absolute_file.string(), absolute_file.parent_path()};
  if (has_control_char(doc.dir.string()))
    return fail(Error(ErrorCode::config,
                      fmt::format("the project folder's path \"{}\" contains a control character", abbreviate(doc.dir.string(), 200)),
                      "rename the folder: its path is written into ssh and container configuration, where a newline "
                      "or tab would change its meaning")
                    .at(SourceLocation{abbreviate(doc.file, 200), 1, 1}));
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(doc.file));
  } catch (const toml::parse_error& error) {
    return fail(Error(ErrorCode::config, "invalid TOML: " + one_line_lowercase(error.description()),
                      "fix the TOML syntax at this line and column")
                    .at(location(doc, error.source())));
  }
  ProjectSpec project = DLENV_TRY(read_project(doc, root));
  DLENV_TRY(parse_settings(text, absolute_file, true));
  project.file = absolute_file;
  project.dir = doc.dir;
  return project;
}

Result<ProjectSpec> load_project(const fs::path& path) {
  fs::path target = DLENV_TRY(absolute_path(path));
  std::error_code ec;
  fs::file_status status = fs::status(target, ec);
  if (!fs::exists(status))
    return fail(ErrorCode::not_found, fmt::format("project path '{}' does not exist", target.string()),
                "pass a project folder or its dlenv.toml");
  fs::path file = target;
  if (fs::is_directory(status)) {
    file = target / kProjectFileName;
    if (!fs::is_regular_file(fs::status(file, ec)))
      return fail(ErrorCode::not_found, fmt::format("no {} in '{}'", kProjectFileName, target.string()),
                  std::string(kNoProjectHint));
  } else if (!fs::is_regular_file(status)) {
    return fail(ErrorCode::config, fmt::format("'{}' is not a regular file", target.string()),
                "pass a project folder or its dlenv.toml");
  }
  // Symlinks resolved: the same project has the same identity however it is reached.
  if (fs::path canonical = fs::canonical(file, ec); !ec) file = canonical;
  auto text = read_file(file);
  if (!text) {
    Error error = std::move(text).error();
    if (error.hint.empty()) error.hint = "check that the file is readable";
    return fail(std::move(error));
  }
  return parse_project(*text, file);
}

Result<fs::path> find_project_file(const fs::path& start) {
  const fs::path first = DLENV_TRY(absolute_path(start));
  for (fs::path dir = first;; dir = dir.parent_path()) {
    std::error_code ec;
    fs::path candidate = dir / kProjectFileName;
    if (fs::is_regular_file(fs::status(candidate, ec))) return candidate;
    if (dir == dir.parent_path()) break;
  }
  return fail(ErrorCode::not_found,
              fmt::format("no {} in '{}' or any parent folder", kProjectFileName, first.string()),
              std::string(kNoProjectHint));
}

Result<std::string> parse_framework_requirement(std::string_view text) {
  std::string t = trim(text);
  if (t.size() > kMaxValueLength || has_control_char(t) || !is_framework_requirement(t))
    return fail(ErrorCode::usage, fmt::format("'{}' is not a framework requirement", abbreviate(t)), kFrameworkHint);
  return t;
}

Result<GpuRequest> parse_gpu_request(std::string_view text) {
  const std::string hint = "use all, none, a number of GPUs, or indexes and UUIDs separated by commas (0,GPU-...)";
  std::string t = trim(text);
  GpuRequest request;
  if (t == "all") {
    request.kind = GpuRequest::Kind::all;
    return request;
  }
  if (t == "none") {
    request.kind = GpuRequest::Kind::none;
    return request;
  }
  auto all_digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  if (all_digits(t) && t.size() <= 2) {
    request.count = static_cast<int>(*parse_int(t));
    if (request.count > 64) return fail(ErrorCode::usage, fmt::format("--gpus {} is more than 64", t), hint);
    request.kind = request.count == 0 ? GpuRequest::Kind::none : GpuRequest::Kind::count;
    return request;
  }
  request.kind = GpuRequest::Kind::devices;
  for (const auto& item : split(t, ',')) {
    std::string id = trim(item);
    if (!all_digits(id) && !is_gpu_uuid(id))
      return fail(ErrorCode::usage, fmt::format("'{}' in --gpus is neither a GPU index nor a UUID", abbreviate(id)), hint);
    request.devices.push_back(id);
  }
  return request;
}

}  // namespace dlenv::spec
