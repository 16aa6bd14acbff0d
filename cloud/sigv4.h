// AWS Signature Version 4 (the "AWS4-HMAC-SHA256" Authorization header), as
// pure functions: the same inputs always give the same signature, so the
// published AWS test vectors check it byte for byte.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry {

struct SigV4Request {
  std::string method = "GET";
  std::string path = "/";            // already URI-encoded
  std::string query;                 // "a=1&b=2", already URI-encoded; any order
  // The headers to sign; must include host and x-amz-date. Names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;               // the request body
};

struct SigV4Key {
  std::string access_key_id;
  std::string secret_access_key;
};

struct SigV4Scope {
  std::string amz_date;              // "20150830T123600Z" (UTC); the date is its first 8 chars
  std::string region;                // "us-east-1"
  std::string service;               // "ec2"
};

// The canonical request (task 1 of the signing process).
std::string sigv4_canonical_request(const SigV4Request& request);
// The signed header names: lowercased, sorted, joined with ';'.
std::string sigv4_signed_headers(const SigV4Request& request);
// The string to sign (task 2).
std::string sigv4_string_to_sign(const SigV4Request& request, const SigV4Scope& scope);
// The hex signing key derived from the secret (task 3, first half).
std::string sigv4_signing_key_hex(const SigV4Key& key, const SigV4Scope& scope);
// The hex signature (task 3).
std::string sigv4_signature(const SigV4Request& request, const SigV4Key& key, const SigV4Scope& scope);
// The whole Authorization header value (task 4).
std::string sigv4_authorization(const SigV4Request& request, const SigV4Key& key, const SigV4Scope& scope);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay,
// everything else becomes %XX (upper-case hex); '/' stays when !encode_slash.
std::string aws_uri_encode(std::string_view s, bool encode_slash = true);

// "20150830T123600Z" for a point in time.
std::string amz_date(std::chrono::system_clock::time_point t);

// Lowercase hex of raw bytes.
std::string hex_lower(std::string_view bytes);

}  // namespace quarry
