#include "launcher/host_keys.h"

#include <cstdint>

#include "core/text.h"

namespace quarry {

namespace {

constexpr std::string_view kTrustOnFirstUse = "trust-on-first-use";
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view data, bool pad) {
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k])); };
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::string hex_to_bytes(std::string_view hex) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  return out;
}

// Parses a stored pin line: "TYPE BASE64".
std::optional<PinnedKey> parse_pin(std::string_view text) {
  auto parts = split(trim(text), ' ');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
  return PinnedKey{parts[0], parts[1], {}};
}

}  // namespace

std::string key_fingerprint(std::string_view key_blob) {
  return "SHA256:" + base64(hex_to_bytes(sha256_hex(key_blob)), false);
}

std::string key_type(std::string_view key_blob) {
  if (key_blob.size() < 4) return "unknown";
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = n << 8 | static_cast<unsigned char>(key_blob[static_cast<std::size_t>(i)]);
  if (n == 0 || n > 64 || n > key_blob.size() - 4) return "unknown";
  return std::string(key_blob.substr(4, n));
}

Result<std::string> public_key_blob(std::string_view line) {
  auto fields = split(trim(line), ' ');
  for (std::size_t i = 0; i + 1 < fields.size(); ++i) {
    if (fields[i].empty()) continue;
    auto blob = base64_decode(fields[i + 1]);
    if (blob && key_type(*blob) == fields[i]) return *blob;
  }
  return fail("not an OpenSSH public key line: " + std::string(line.substr(0, 80)));
}

std::string HostKeyStore::key_of(std::string_view server) const {
  return "keys/known_hosts/" + std::string(server);
}

Status HostKeyStore::check_server_name(std::string_view server) const {
  bool ok = !server.empty() && server != "." && server != "..";
  for (unsigned char c : server) ok = ok && c > ' ' && c != '/' && c != 0x7f;
  if (!ok) return fail("invalid server name for a host key: '" + std::string(server) + "'");
  return {};
}

Status HostKeyStore::verify(std::string_view server, std::string_view key_blob) {
  if (auto s = check_server_name(server); !s) return s;
  std::string name(server);
  std::string now = key_fingerprint(key_blob);
  std::lock_guard lock(mu_);
  auto entry = store_.get(key_of(server));
  if (!entry) return fail_remote("host key for " + name + ": " + entry.error().message);
  if (!*entry) {
    return fail_remote("host key for " + name + " is not known (" + now +
                       "): refusing to connect; add the server with `quarry servers add --trust`"
                       " or run `quarry servers trust " + name + "`");
  }
  if (trim(**entry) == kTrustOnFirstUse) {
    std::string line = key_type(key_blob) + " " + base64(key_blob, true) + "\n";
    if (auto s = store_.put(key_of(server), line); !s)
      return fail_remote("recording the host key for " + name + ": " + s.error().message);
    return {};
  }
  auto pin = parse_pin(**entry);
  if (!pin) {
    return fail_remote("host key for " + name + ": " + store_.locate(key_of(server)) +
                       " is not a key line; run `quarry servers trust " + name + "`");
  }
  if (pin->blob_base64 == base64(key_blob, true)) return {};
  std::string was = pin->type;
  if (auto blob = base64_decode(pin->blob_base64)) was = key_fingerprint(*blob);
  return fail_remote("host key for " + name + " changed (was " + was + ", now " + now +
                     "): refusing to connect; if the server was rebuilt, run `quarry servers trust " + name + "`");
}

Status HostKeyStore::trust_next_key(std::string_view server) {
  if (auto s = check_server_name(server); !s) return s;
  std::lock_guard lock(mu_);
  return store_.put(key_of(server), std::string(kTrustOnFirstUse) + "\n");
}

Status HostKeyStore::pin(std::string_view server, std::string_view key_blob) {
  if (auto s = check_server_name(server); !s) return s;
  std::lock_guard lock(mu_);
  return store_.put(key_of(server), key_type(key_blob) + " " + base64(key_blob, true) + "\n");
}

Status HostKeyStore::forget(std::string_view server) {
  if (auto s = check_server_name(server); !s) return s;
  std::lock_guard lock(mu_);
  return store_.remove(key_of(server));
}

Result<std::optional<PinnedKey>> HostKeyStore::pinned(std::string_view server) {
  if (auto s = check_server_name(server); !s) return fail(s.error());
  std::lock_guard lock(mu_);
  auto entry = store_.get(key_of(server));
  if (!entry) return fail(entry.error());
  if (!*entry || trim(**entry) == kTrustOnFirstUse) return std::optional<PinnedKey>{};
  auto pin = parse_pin(**entry);
  if (!pin) return fail_remote(store_.locate(key_of(server)) + " is not a host key line");
  auto blob = base64_decode(pin->blob_base64);
  if (!blob) return fail_remote(store_.locate(key_of(server)) + " holds invalid base64");
  pin->fingerprint = key_fingerprint(*blob);
  return std::optional<PinnedKey>(std::move(*pin));
}

}  // namespace quarry
