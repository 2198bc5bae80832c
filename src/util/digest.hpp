#pragma once
// Content hashes and random secrets.
#include <string>
#include <string_view>

namespace dlenv {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view data);

// `bytes` bytes from the kernel's CSPRNG, as 2*bytes hex characters.
std::string random_hex(size_t bytes);

}  // namespace dlenv
