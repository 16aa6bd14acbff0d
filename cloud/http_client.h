// The HTTP seam under the cloud API providers (DigitalOcean, EC2). The real
// implementation is CurlHttpClient (libcurl); unit tests use FakeHttpClient
// (tests/fakes/fake_http.h), which records requests and answers from a script.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace quarry {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";        // GET, POST, PUT, DELETE, ...
  std::string url;                   // absolute: scheme://host[:port]/path?query
  HttpHeaders headers;               // sent as given; may hold secrets (never logged)
  std::string body;
  std::chrono::milliseconds timeout{30000};  // the whole exchange
};

struct HttpResponse {
  int status = 0;                    // the HTTP status code
  HttpHeaders headers;               // names lowercased
  std::string body;

  // The first header named `name` (lowercase), or "".
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request and returns the response, whatever its status. Fails
  // (kind Remote) only when no response arrived: resolution, connection, TLS,
  // timeout. The error names the method and URL, never headers or body.
  // Thread-safe: concurrent calls are allowed.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

struct CurlHttpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  bool verify_tls = true;            // peer and host name; off only for a test endpoint
  std::string ca_file;               // empty: the system's CA bundle
  std::string user_agent = "quarry";
};

// HttpClient on libcurl: one easy handle per request, so it is thread-safe.
// Every curl return code is checked; redirects are not followed.
class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpOptions options = {});
  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  CurlHttpOptions options_;
};

// The method and URL of a request without its query string, for messages:
// "POST https://api.example.com/v2/droplets".
std::string describe_request(const HttpRequest& request);

}  // namespace quarry
