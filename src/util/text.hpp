#pragma once
// Small string helpers used across layers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv {

std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);

// Edit distance, for did-you-mean hints.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely misspelling.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// True when `s` holds an ASCII control character (newline, tab, NUL, ESC, DEL, ...). Values
// written into line-based formats (ssh config, Dockerfiles, scripts) must not.
bool has_control_char(std::string_view s);
// `s` shown in an error: control characters as \xNN, cut to about `max` characters with
// the full length noted, so a hostile value never floods the terminal.
std::string abbreviate(std::string_view s, size_t max = 80);
// A whole decimal integer ("123"; not "123abc", not " 1"); nullopt otherwise or on overflow.
std::optional<int64_t> parse_int(std::string_view s);

// `text` with every `placeholder` replaced by `value` (templates: @NAME@ markers).
std::string replace_all(std::string text, std::string_view placeholder, std::string_view value);

// Quotes a word for a POSIX shell (single quotes).
std::string shell_quote(std::string_view s);

// "2g", "512m", "1.5G", "1024" (bytes) -> bytes. nullopt when malformed.
std::optional<int64_t> parse_byte_size(std::string_view s);
// 2147483648 -> "2.0 GiB"
std::string format_bytes(int64_t bytes);

}  // namespace dlenv
