#include "host/gpu_probe.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <deque>

#include <fmt/format.h>

#include "util/files.hpp"
#include "util/subprocess.hpp"
#include "util/text.hpp"

namespace dlenv::host {
namespace fs = std::filesystem;

// ---- Paths under a root -------------------------------------------------------------------

fs::path under_root(const fs::path& root, std::string_view host_path) {
  fs::path p(host_path);
  if (root.empty() || root == "/") return p.is_absolute() ? p : fs::path("/") / p;
  return root / p.relative_path();
}

std::optional<std::string> resolve_in_root(const fs::path& root, std::string_view path) {
  std::deque<std::string> pending;
  for (auto& c : split(path, '/')) pending.push_back(c);
  std::vector<std::string> done;
  int hops = 0;
  while (!pending.empty()) {
    std::string c = std::move(pending.front());
    pending.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string host = "/" + join(done, "/");
    if (host.size() > 1) host += "/";
    host += c;
    fs::path here = under_root(root, host);
    struct stat st {};
    if (::lstat(here.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISLNK(st.st_mode)) {
      done.push_back(std::move(c));
      continue;
    }
    if (++hops > 40) return std::nullopt;
    std::error_code ec;
    fs::path target = fs::read_symlink(here, ec);
    if (ec) return std::nullopt;
    std::string t = target.string();
    if (!t.empty() && t.front() == '/') done.clear();
    auto parts = split(t, '/');
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_front(*it);
  }
  return "/" + join(done, "/");
}

namespace {

bool is_real_root(const fs::path& root) {
  return root.empty() || root.lexically_normal() == "/";
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string first_line(std::string_view text) {
  std::string t = trim(text);
  auto nl = t.find('\n');
  return trim(nl == std::string::npos ? t : t.substr(0, nl));
}

// What the sources found so far; the first source to find a fact keeps it, except the CUDA
// level, where cuDriverGetVersion outranks NVML.
struct Found {
  std::optional<std::string> driver_text;
  std::string driver_source;
  std::optional<Version> cuda;
  std::string cuda_source;
  std::optional<std::vector<Gpu>> gpus;
  std::vector<std::string> notes;

  void set_driver(std::string text, std::string source) {
    if (driver_text) return;
    driver_text = std::move(text);
    driver_source = std::move(source);
  }
  void set_cuda(Version v, std::string source) {
    if (cuda) return;
    cuda = std::move(v);
    cuda_source = std::move(source);
  }
};

// dlopen'ed library, closed on scope exit.
class Library {
 public:
  explicit Library(const char* name) : handle_(::dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
    if (!handle_) {
      const char* e = ::dlerror();
      error_ = e ? e : "unknown dlopen error";
    }
  }
  ~Library() {
    if (handle_) ::dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  explicit operator bool() const { return handle_ != nullptr; }
  const std::string& error() const { return error_; }
  template <class Fn>
  Fn symbol(const char* name) const {
    return handle_ ? reinterpret_cast<Fn>(::dlsym(handle_, name)) : nullptr;
  }

 private:
  void* handle_ = nullptr;
  std::string error_;
};

// ---- NVML: the few declarations dlenv needs (the C API, by value) --------------------------
namespace nvml {
using Return = int;  // nvmlReturn_t
constexpr Return kSuccess = 0;
struct DeviceSt;
using Device = DeviceSt*;  // nvmlDevice_t, opaque
struct Memory {            // nvmlMemory_t (v1): bytes
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
using InitFn = Return (*)();
using ShutdownFn = Return (*)();
using ErrorStringFn = const char* (*)(Return);
using GetDriverVersionFn = Return (*)(char*, unsigned int);
using GetCudaDriverVersionFn = Return (*)(int*);
using GetCountFn = Return (*)(unsigned int*);
using GetHandleFn = Return (*)(unsigned int, Device*);
using GetStringFn = Return (*)(Device, char*, unsigned int);
using GetComputeCapabilityFn = Return (*)(Device, int*, int*);
using GetMemoryInfoFn = Return (*)(Device, Memory*);
}  // namespace nvml

void probe_nvml(Found& found) {
  Library lib("libnvidia-ml.so.1");
  if (!lib) {
    found.notes.push_back(fmt::format("nvml: libnvidia-ml.so.1 not loaded ({})", lib.error()));
    return;
  }
  auto init = lib.symbol<nvml::InitFn>("nvmlInit_v2");
  auto shutdown = lib.symbol<nvml::ShutdownFn>("nvmlShutdown");
  auto error_string = lib.symbol<nvml::ErrorStringFn>("nvmlErrorString");
  auto get_driver = lib.symbol<nvml::GetDriverVersionFn>("nvmlSystemGetDriverVersion");
  auto get_cuda = lib.symbol<nvml::GetCudaDriverVersionFn>("nvmlSystemGetCudaDriverVersion_v2");
  auto get_count = lib.symbol<nvml::GetCountFn>("nvmlDeviceGetCount_v2");
  auto get_handle = lib.symbol<nvml::GetHandleFn>("nvmlDeviceGetHandleByIndex_v2");
  auto get_name = lib.symbol<nvml::GetStringFn>("nvmlDeviceGetName");
  auto get_uuid = lib.symbol<nvml::GetStringFn>("nvmlDeviceGetUUID");
  auto get_cc = lib.symbol<nvml::GetComputeCapabilityFn>("nvmlDeviceGetCudaComputeCapability");
  auto get_memory = lib.symbol<nvml::GetMemoryInfoFn>("nvmlDeviceGetMemoryInfo");
  if (!init || !shutdown || !get_count || !get_handle) {
    found.notes.push_back("nvml: libnvidia-ml.so.1 lacks nvmlInit_v2/nvmlDeviceGetCount_v2 (driver too old)");
    return;
  }
  auto why = [&](nvml::Return r) {
    const char* s = error_string ? error_string(r) : nullptr;
    return s ? fmt::format("{} ({})", s, r) : fmt::format("error {}", r);
  };
  if (auto r = init(); r != nvml::kSuccess) {
    found.notes.push_back(fmt::format("nvml: nvmlInit_v2 failed: {}", why(r)));
    return;
  }
  if (get_driver) {
    char buf[96] = {};
    if (auto r = get_driver(buf, sizeof buf); r == nvml::kSuccess && Version::parse(buf))
      found.set_driver(trim(buf), "nvml");
    else
      found.notes.push_back(fmt::format("nvml: nvmlSystemGetDriverVersion failed: {}", why(r)));
  }
  if (get_cuda) {
    int v = 0;
    if (auto r = get_cuda(&v); r == nvml::kSuccess && cuda_version_from_int(v))
      found.set_cuda(*cuda_version_from_int(v), "nvml");
    else
      found.notes.push_back(fmt::format("nvml: nvmlSystemGetCudaDriverVersion_v2 failed: {}", why(r)));
  }
  unsigned int count = 0;
  if (auto r = get_count(&count); r != nvml::kSuccess) {
    found.notes.push_back(fmt::format("nvml: nvmlDeviceGetCount_v2 failed: {}", why(r)));
  } else {
    std::vector<Gpu> gpus;
    for (unsigned int i = 0; i < count; ++i) {
      nvml::Device dev = nullptr;
      if (auto r = get_handle(i, &dev); r != nvml::kSuccess) {
        found.notes.push_back(fmt::format("nvml: GPU {}: nvmlDeviceGetHandleByIndex_v2 failed: {}", i, why(r)));
        continue;
      }
      Gpu gpu;
      gpu.index = static_cast<int>(i);
      gpu.source = "nvml";
      char buf[256] = {};
      if (get_name && get_name(dev, buf, sizeof buf) == nvml::kSuccess) gpu.name = trim(buf);
      char ubuf[128] = {};
      if (get_uuid && get_uuid(dev, ubuf, sizeof ubuf) == nvml::kSuccess) gpu.uuid = trim(ubuf);
      int major = 0, minor = 0;
      if (get_cc && get_cc(dev, &major, &minor) == nvml::kSuccess && major > 0)
        gpu.compute_capability = Version({major, minor});
      else
        found.notes.push_back(fmt::format("nvml: GPU {}: compute capability unknown", i));
      nvml::Memory mem{};
      if (get_memory && get_memory(dev, &mem) == nvml::kSuccess)
        gpu.memory_mib = static_cast<long long>(mem.total / (1024ULL * 1024ULL));
      else
        found.notes.push_back(fmt::format("nvml: GPU {}: memory size unknown", i));
      gpus.push_back(std::move(gpu));
    }
    found.gpus = std::move(gpus);
  }
  shutdown();
}

void probe_libcuda(Found& found) {
  Library lib("libcuda.so.1");
  if (!lib) {
    found.notes.push_back(fmt::format("cuDriverGetVersion: libcuda.so.1 not loaded ({})", lib.error()));
    return;
  }
  using DriverGetVersionFn = int (*)(int*);  // CUresult cuDriverGetVersion(int*); CUDA_SUCCESS = 0
  auto get_version = lib.symbol<DriverGetVersionFn>("cuDriverGetVersion");
  if (!get_version) {
    found.notes.push_back("cuDriverGetVersion: not in libcuda.so.1");
    return;
  }
  int v = 0;
  int r = get_version(&v);
  auto cuda = cuda_version_from_int(v);
  if (r != 0 || !cuda) {
    found.notes.push_back(fmt::format("cuDriverGetVersion: failed (CUresult {}, version {})", r, v));
    return;
  }
  // Outranks NVML's answer: it is the CUDA driver API's own.
  found.cuda = *cuda;
  found.cuda_source = "cuDriverGetVersion";
}

void probe_proc(const fs::path& root, Found& found) {
  fs::path file = under_root(root, "/proc/driver/nvidia/version");
  auto text = read_file(file);
  if (!text) {
    found.notes.push_back(fmt::format("/proc/driver/nvidia/version: {} (no NVIDIA kernel module loaded)",
                                      text.error().code == ErrorCode::not_found ? "not found" : text.error().message));
    return;
  }
  auto v = parse_proc_driver_version(*text);
  if (!v) {
    found.notes.push_back(fmt::format("/proc/driver/nvidia/version: no driver version in \"{}\"", first_line(*text)));
    return;
  }
  found.set_driver(*v, "/proc/driver/nvidia/version");
}

bool is_executable_file(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// nvidia-smi on PATH (re-rooted under a root other than "/") or in the usual directories.
std::optional<fs::path> find_nvidia_smi(const fs::path& root) {
  std::vector<std::string> dirs;
  if (auto path = env("PATH"))
    for (auto& d : split(*path, ':'))
      if (!d.empty() && d.front() == '/') dirs.push_back(d);
  for (const char* d : {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"}) dirs.emplace_back(d);
  for (const auto& d : dirs) {
    auto resolved = resolve_in_root(root, d + "/nvidia-smi");
    if (!resolved) continue;
    fs::path real = under_root(root, *resolved);
    if (is_executable_file(real)) return real;
  }
  return std::nullopt;
}

std::optional<std::string> run_smi(const fs::path& smi, std::vector<std::string> args,
                                   const ProbeOptions& options, std::vector<std::string>& notes,
                                   std::string* failure_text = nullptr) {
  args.insert(args.begin(), smi.string());
  SubprocessOptions so;
  so.timeout = options.nvidia_smi_timeout;
  auto r = run_process(args, so);
  if (!r) {
    notes.push_back(fmt::format("nvidia-smi: cannot run {}: {}", smi.string(), r.error().message));
    return std::nullopt;
  }
  if (r->timed_out) {
    notes.push_back(fmt::format("nvidia-smi: no answer within {} ms", options.nvidia_smi_timeout.count()));
    return std::nullopt;
  }
  if (r->exit_code != 0) {
    std::string said = first_line(r->out.empty() ? r->err : r->out);
    if (failure_text) *failure_text = r->out + r->err;
    notes.push_back(fmt::format("nvidia-smi: exited with {}: {}", r->exit_code, said));
    return std::nullopt;
  }
  return std::move(r->out);
}

void probe_nvidia_smi(const ProbeOptions& options, Found& found) {
  auto smi = find_nvidia_smi(options.root);
  if (!smi) {
    found.notes.push_back(is_real_root(options.root)
                              ? "nvidia-smi: not found on PATH"
                              : fmt::format("nvidia-smi: not found under {}", options.root.string()));
    return;
  }
  if (!found.gpus) {
    std::string failure;
    std::vector<std::string> notes;
    auto out = run_smi(*smi, {"--query-gpu=index,name,uuid,compute_cap,memory.total", "--format=csv,noheader,nounits"},
                       options, notes, &failure);
    bool with_cc = true;
    if (!out && failure.find("compute_cap") != std::string::npos) {
      // Drivers before ~510 do not know the field: ask again without it.
      notes.push_back("nvidia-smi: this driver does not report compute_cap; compute capabilities unknown");
      with_cc = false;
      out = run_smi(*smi, {"--query-gpu=index,name,uuid,memory.total", "--format=csv,noheader,nounits"},
                    options, notes);
    }
    found.notes.insert(found.notes.end(), notes.begin(), notes.end());
    if (out) found.gpus = parse_nvidia_smi_csv(*out, with_cc, found.notes);
  }
  if (!found.driver_text || !found.cuda) {
    if (auto out = run_smi(*smi, {}, options, found.notes)) {
      auto header = parse_nvidia_smi_header(*out);
      if (header.driver_version) found.set_driver(*header.driver_version, "nvidia-smi");
      if (header.cuda_version) found.set_cuda(*header.cuda_version, "nvidia-smi");
      if (!header.driver_version && !header.cuda_version)
        found.notes.push_back("nvidia-smi: no \"Driver Version\"/\"CUDA Version\" in its header");
    }
  }
}

// "[N/A]", "[Not Supported]", "N/A", "": a value the driver does not know.
bool not_available(std::string_view field) {
  std::string f = trim(field);
  return f.empty() || f.front() == '[' || f == "N/A";
}

}  // namespace

// ---- Parsers ------------------------------------------------------------------------------

std::optional<std::string> parse_proc_driver_version(std::string_view text) {
  for (const auto& raw : split(text, '\n')) {
    std::string line = trim(raw);
    if (!starts_with(line, "NVRM version:")) continue;
    std::string rest = line.substr(std::string_view("NVRM version:").size());
    for (char& c : rest)
      if (c == '\t') c = ' ';
    for (const auto& word : split(rest, ' ')) {
      auto v = Version::parse(word);
      if (v && v->size() >= 2) return word;
    }
  }
  return std::nullopt;
}

std::optional<Version> cuda_version_from_int(int encoded) {
  if (encoded <= 0) return std::nullopt;
  return Version({encoded / 1000, (encoded % 1000) / 10});
}

std::vector<Gpu> parse_nvidia_smi_csv(std::string_view text, bool with_compute_cap,
                                      std::vector<std::string>& notes) {
  std::vector<Gpu> gpus;
  const size_t trailing = with_compute_cap ? 3 : 2;  // uuid, [compute_cap,] memory.total
  for (const auto& raw : split(text, '\n')) {
    std::string line = trim(raw);
    if (line.empty()) continue;
    auto fields = split(line, ',');
    for (auto& f : fields) f = trim(f);
    if (fields.size() < 2 + trailing) {
      notes.push_back(fmt::format("nvidia-smi: unreadable GPU line \"{}\"", line));
      continue;
    }
    Gpu gpu;
    gpu.source = "nvidia-smi";
    auto index = parse_int(fields[0]);
    if (!index || *index < 0 || *index > 1 << 20) {
      notes.push_back(fmt::format("nvidia-smi: GPU line without an index: \"{}\"", line));
      continue;
    }
    gpu.index = static_cast<int>(*index);
    // A name with a comma in it spans several fields: everything between index and the rest.
    std::vector<std::string> name_parts(fields.begin() + 1, fields.end() - static_cast<long>(trailing));
    gpu.name = join(name_parts, ", ");
    size_t at = fields.size() - trailing;
    gpu.uuid = not_available(fields[at]) ? "" : fields[at];
    ++at;
    if (with_compute_cap) {
      const std::string& cc = fields[at++];
      if (!not_available(cc)) {
        if (auto v = Version::parse(cc))
          gpu.compute_capability = *v;
        else
          notes.push_back(fmt::format("nvidia-smi: GPU {}: unreadable compute capability \"{}\"", gpu.index, cc));
      }
    }
    const std::string& mem = fields[at];
    if (!not_available(mem)) {
      auto memory = parse_int(mem);
      gpu.memory_mib = memory && *memory >= 0 ? *memory : 0;
      if (!memory || *memory < 0)
        notes.push_back(fmt::format("nvidia-smi: GPU {}: unreadable memory size \"{}\"", gpu.index, mem));
    }
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

NvidiaSmiHeader parse_nvidia_smi_header(std::string_view text) {
  NvidiaSmiHeader header;
  auto value_after = [&](std::string_view key) -> std::optional<std::string> {
    auto at = text.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    at += key.size();
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    size_t end = at;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
    std::string word(text.substr(at, end - at));
    if (!Version::parse(word)) return std::nullopt;
    return word;
  };
  header.driver_version = value_after("Driver Version:");
  if (auto cuda = value_after("CUDA Version:")) header.cuda_version = Version::parse(*cuda);
  return header;
}

// ---- The probe ----------------------------------------------------------------------------

ProbeOptions probe_options(const spec::Settings& settings) {
  ProbeOptions options;
  if (auto root = settings.get("host_root"); root && !root->empty()) options.root = *root;
  return options;
}

GpuFacts probe_gpus(const ProbeOptions& options) {
  Found found;
  const bool real_root = is_real_root(options.root);
  if (!options.use_libraries)
    found.notes.push_back("nvml, cuDriverGetVersion: not used (libraries disabled)");
  else if (!real_root)
    found.notes.push_back(fmt::format("nvml, cuDriverGetVersion: not used (host root is {}, not /)",
                                      options.root.string()));
  else {
    probe_nvml(found);
    probe_libcuda(found);
  }
  if (!found.driver_text) probe_proc(options.root, found);
  if (!found.gpus || !found.driver_text || !found.cuda) {
    if (options.use_nvidia_smi)
      probe_nvidia_smi(options, found);
    else
      found.notes.push_back("nvidia-smi: not used (disabled)");
  }

  GpuFacts facts;
  facts.origin = "probe";
  if (found.gpus) facts.gpus = std::move(*found.gpus);
  if (found.driver_text) {
    GpuDriver driver;
    driver.version = *Version::parse(*found.driver_text);
    driver.version_text = *found.driver_text;
    driver.version_source = found.driver_source;
    if (found.cuda) {
      driver.cuda_driver_version = *found.cuda;
      driver.cuda_source = found.cuda_source;
    } else {
      found.notes.push_back("the CUDA level of the driver is unknown (no libcuda.so.1, NVML or nvidia-smi answered)");
    }
    facts.driver = std::move(driver);
  } else {
    found.notes.push_back("no NVIDIA driver found");
  }
  facts.notes = std::move(found.notes);
  return facts;
}

}  // namespace dlenv::host
