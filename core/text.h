// Small pure string helpers shared across the tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {

std::vector<std::string> split(std::string_view s, char sep);
std::vector<std::string> split_lines(std::string_view s);
// The last line of `text` that is not blank, trimmed; "" when none is.
std::string last_line(std::string_view text);
std::string trim(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);

// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely typo.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates);

// An env variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view name);

// A DNS label: 1-63 of [a-z0-9-], not starting or ending with '-'.
bool is_dns_label(std::string_view s);
// A host name: dot-separated DNS labels, at most 253 characters.
bool is_host_name(std::string_view s);

// Hex-encoded SHA-256 of `data` (OpenSSL).
std::string sha256_hex(std::string_view data);

// Human durations: "1.2s", "340ms", "2m05s".
std::string format_duration_ms(std::int64_t ms);

}  // namespace quarry

namespace quarry {
// Standard base64 (with padding) to bytes; nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);
}  // namespace quarry
