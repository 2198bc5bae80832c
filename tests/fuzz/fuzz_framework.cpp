// libFuzzer target: the --framework text form, spec::parse_framework_requirement.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "spec/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto requirement = dlenv::spec::parse_framework_requirement(text);
  if (!requirement) {
    dlenv::fuzz::check_error(requirement.error(), dlenv::ErrorCode::usage);
    return 0;
  }
  const std::string& r = *requirement;
  DLENV_FUZZ_CHECK(!r.empty(), std::string(text));
  for (unsigned char c : r) DLENV_FUZZ_CHECK(c >= 0x20 && c != 0x7f, r);
  // What it accepted, it accepts again unchanged.
  auto again = dlenv::spec::parse_framework_requirement(r);
  DLENV_FUZZ_CHECK(again && *again == r, r);
  return 0;
}
