#include "cloud/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/text.h"

namespace quarry {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces, as the canonical header form requires.
std::string canonical_value(std::string_view v) {
  std::string t = trim(v), out;
  bool space = false;
  for (char c : t) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> canonical_headers(const SigV4Request& r) {
  std::vector<std::pair<std::string, std::string>> hs;
  for (const auto& [k, v] : r.headers) {
    auto name = lower(k);
    auto value = canonical_value(v);
    auto it = std::find_if(hs.begin(), hs.end(), [&](const auto& h) { return h.first == name; });
    if (it != hs.end()) it->second += "," + value;
    else hs.emplace_back(name, value);
  }
  std::sort(hs.begin(), hs.end());
  return hs;
}

std::string canonical_query(std::string_view query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& part : split(query, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string::npos) params.emplace_back(part, "");
    else params.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  std::sort(params.begin(), params.end());
  std::vector<std::string> parts;
  for (const auto& [k, v] : params) parts.push_back(k + "=" + v);
  return join(parts, "&");
}

std::string scope_string(const SigV4Scope& s) {
  return s.amz_date.substr(0, 8) + "/" + s.region + "/" + s.service + "/aws4_request";
}

std::string signing_key(const SigV4Key& key, const SigV4Scope& scope) {
  auto k_date = hmac_sha256("AWS4" + key.secret_access_key, scope.amz_date.substr(0, 8));
  auto k_region = hmac_sha256(k_date, scope.region);
  auto k_service = hmac_sha256(k_region, scope.service);
  return hmac_sha256(k_service, "aws4_request");
}

}  // namespace

std::string hex_lower(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string aws_uri_encode(std::string_view s, bool encode_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sigv4_signed_headers(const SigV4Request& request) {
  std::vector<std::string> names;
  for (const auto& h : canonical_headers(request)) names.push_back(h.first);
  return join(names, ";");
}

std::string sigv4_canonical_request(const SigV4Request& request) {
  std::string headers;
  for (const auto& [k, v] : canonical_headers(request)) headers += k + ":" + v + "\n";
  return request.method + "\n" + (request.path.empty() ? "/" : request.path) + "\n" +
         canonical_query(request.query) + "\n" + headers + "\n" + sigv4_signed_headers(request) + "\n" +
         sha256_hex(request.payload);
}

std::string sigv4_string_to_sign(const SigV4Request& request, const SigV4Scope& scope) {
  return std::string(kAlgorithm) + "\n" + scope.amz_date + "\n" + scope_string(scope) + "\n" +
         sha256_hex(sigv4_canonical_request(request));
}

std::string sigv4_signing_key_hex(const SigV4Key& key, const SigV4Scope& scope) {
  return hex_lower(signing_key(key, scope));
}

std::string sigv4_signature(const SigV4Request& request, const SigV4Key& key, const SigV4Scope& scope) {
  return hex_lower(hmac_sha256(signing_key(key, scope), sigv4_string_to_sign(request, scope)));
}

std::string sigv4_authorization(const SigV4Request& request, const SigV4Key& key, const SigV4Scope& scope) {
  return std::string(kAlgorithm) + " Credential=" + key.access_key_id + "/" + scope_string(scope) +
         ", SignedHeaders=" + sigv4_signed_headers(request) + ", Signature=" + sigv4_signature(request, key, scope);
}

}  // namespace quarry
