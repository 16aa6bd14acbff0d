#include "hq/public_key.h"

#include <array>
#include <optional>

#include "core/text.h"

namespace quarry {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::string_view, 7> kKeyTypes = {
    "ssh-ed25519",         "ssh-rsa",
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

bool known_type(std::string_view t) {
  for (auto k : kKeyTypes) {
    if (k == t) return true;
  }
  return false;
}

// The type string a key blob starts with (uint32 length, then the bytes).
std::optional<std::string> blob_type(const std::string& blob) {
  if (blob.size() < 4) return std::nullopt;
  std::size_t len = 0;
  for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(blob[static_cast<std::size_t>(i)]);
  if (len > blob.size() - 4) return std::nullopt;
  return blob.substr(4, len);
}

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Unpadded base64, as fingerprints are printed.
std::string base64_unpadded(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  while (i + 2 < bytes.size()) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
    i += 3;
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

}  // namespace

bool is_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.front() == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<PublicKey> parse_public_key(std::string_view text) {
  std::vector<std::string> lines;
  for (const auto& raw : split_lines(text)) {
    auto line = trim(raw);
    if (!line.empty() && line.front() != '#') lines.push_back(line);
  }
  if (lines.empty()) return fail("no public key found");
  if (lines.size() > 1) return fail("expected one public key, found " + std::to_string(lines.size()) + " lines");
  std::vector<std::string> words;
  for (auto& w : split(lines[0], ' ')) {
    if (!w.empty()) words.push_back(trim(w));
  }
  if (words.size() < 2) return fail("not an OpenSSH public key line (expected TYPE BASE64 [COMMENT])");
  if (words[0] == "ssh-dss") {
    return fail("DSA keys (ssh-dss) are refused: they are weak and OpenSSH has disabled them; use an ssh-ed25519 key "
                "(ssh-keygen -t ed25519)");
  }
  if (!known_type(words[0])) {
    if (words[0].find('=') != std::string::npos || words[0].find(',') != std::string::npos) {
      return fail("key lines with authorized_keys options are refused; give the plain .pub file");
    }
    return fail("unknown key type '" + words[0] + "' (expected ssh-ed25519, ssh-rsa or ecdsa-sha2-*)");
  }
  auto blob = base64_decode(words[1]);
  if (!blob) return fail("the key data is not base64");
  auto embedded = blob_type(*blob);
  if (!embedded || *embedded != words[0]) return fail("the key data does not hold a " + words[0] + " key");
  PublicKey key;
  key.type = words[0];
  key.base64 = words[1];
  std::vector<std::string> rest(words.begin() + 2, words.end());
  key.comment = join(rest, " ");
  return key;
}

std::string key_fingerprint(const PublicKey& key) {
  auto blob = base64_decode(key.base64).value_or("");
  return "SHA256:" + base64_unpadded(hex_to_bytes(sha256_hex(blob)));
}

}  // namespace quarry
