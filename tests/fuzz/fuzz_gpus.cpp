// libFuzzer target: the --gpus text form, spec::parse_gpu_request.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "spec/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = dlenv::spec::parse_gpu_request(text);
  if (!request) {
    dlenv::fuzz::check_error(request.error(), dlenv::ErrorCode::usage);
    return 0;
  }
  using Kind = dlenv::spec::GpuRequest::Kind;
  switch (request->kind) {
    case Kind::count:
      DLENV_FUZZ_CHECK(request->count >= 1 && request->count <= 64, std::string(text));
      break;
    case Kind::devices:
      DLENV_FUZZ_CHECK(!request->devices.empty(), std::string(text));
      for (const auto& d : request->devices) DLENV_FUZZ_CHECK(!d.empty() && d.find(',') == std::string::npos, d);
      break;
    case Kind::all:
    case Kind::none:
      break;
    case Kind::unspecified:
      dlenv::fuzz::violated("the text form never leaves gpus unspecified", std::string(text));
  }
  return 0;
}
