#include "cloud/server_names.h"

#include <sys/random.h>

#include <cctype>
#include <charconv>

namespace quarry {

namespace {

bool tag_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
}

}  // namespace

std::string server_name(std::string_view cluster_id, int number) {
  return "q-" + std::string(cluster_id) + "-" + std::to_string(number);
}

int last_server_number(std::string_view cluster_id, const std::vector<std::string>& names) {
  const std::string prefix = "q-" + std::string(cluster_id) + "-";
  int last = 0;
  for (const auto& n : names) {
    if (n.size() <= prefix.size() || n.compare(0, prefix.size(), prefix) != 0) continue;
    int v = 0;
    auto [p, ec] = std::from_chars(n.data() + prefix.size(), n.data() + n.size(), v);
    if (ec == std::errc() && p == n.data() + n.size() && v > last) last = v;
  }
  return last;
}

Status check_server_name(std::string_view name) {
  const std::string q = "server name \"" + std::string(name.substr(0, 80)) + "\"";
  if (name.empty() || name.size() > 63) return fail(q + " must have 1 to 63 characters");
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return fail(q + " may hold only a-z, 0-9 and '-'");
  if (name.front() == '-' || name.back() == '-') return fail(q + " must not start or end with '-'");
  return {};
}

Status check_server_tag(std::string_view tag) {
  const std::string q = "tag \"" + std::string(tag.substr(0, 80)) + "\"";
  auto eq = tag.find('=');
  auto key = tag.substr(0, eq);
  auto value = eq == std::string_view::npos ? std::string_view() : tag.substr(eq + 1);
  if (key.empty() || key.size() > 64) return fail(q + ": the key must have 1 to 64 characters");
  if (value.size() > 128) return fail(q + ": the value must have at most 128 characters");
  if (key.substr(0, 4) == "aws:") return fail(q + ": keys starting with aws: are reserved by EC2");
  for (char c : key)
    if (!tag_char(c)) return fail(q + ": the key may hold only A-Z, a-z, 0-9, '_', '.', ':' and '-'");
  for (char c : value)
    if (!tag_char(c)) return fail(q + ": the value may hold only A-Z, a-z, 0-9, '_', '.', ':' and '-'");
  return {};
}

std::string cluster_tag(std::string_view base_tag, std::string_view cluster_id) {
  return std::string(base_tag) + "-" + std::string(cluster_id);
}

std::string create_token_tag(std::string_view token) { return "qc-" + std::string(token); }

std::string new_create_token() {
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    auto n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace quarry
