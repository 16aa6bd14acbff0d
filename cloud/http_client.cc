#include "cloud/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>

#include "core/text.h"

namespace quarry {

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return "";
}

std::string describe_request(const HttpRequest& request) {
  auto q = request.url.find('?');
  return request.method + " " + (q == std::string::npos ? request.url : request.url.substr(0, q));
}

namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Collects response headers; a new status line (after a 100 Continue or an
// interim response) starts the list afresh.
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * n);
  if (starts_with(line, "HTTP/")) {
    headers->clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  headers->emplace_back(std::move(name), trim(line.substr(colon + 1)));
  return size * n;
}

Status global_init() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) return fail_remote(std::string("curl_global_init: ") + curl_easy_strerror(code));
  return {};
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlHttpOptions options) : options_(std::move(options)) {}

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  const std::string what = describe_request(request);
  if (auto s = global_init(); !s) return std::unexpected(s.error().context(what));
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return fail_remote(what + ": curl_easy_init failed");

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const auto& [k, v] : request.headers) {
    auto line = k + ": " + v;
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (!next) return fail_remote(what + ": out of memory building headers");
    header_list.release();
    header_list.reset(next);
  }
  // An empty Expect stops curl from waiting for "100 Continue" on POST bodies.
  curl_slist* next = curl_slist_append(header_list.get(), "Expect:");
  if (!next) return fail_remote(what + ": out of memory building headers");
  header_list.release();
  header_list.reset(next);

  HttpResponse response;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](auto option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(c, option, value);
  };
  set(CURLOPT_ERRORBUFFER, errbuf);
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  set(CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_file.empty()) set(CURLOPT_CAINFO, options_.ca_file.c_str());
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, header_list.get());
  if (request.method == "HEAD") set(CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.c_str());
  }
  set(CURLOPT_WRITEFUNCTION, on_body);
  set(CURLOPT_WRITEDATA, &response.body);
  set(CURLOPT_HEADERFUNCTION, on_header);
  set(CURLOPT_HEADERDATA, &response.headers);
  if (rc != CURLE_OK) return fail_remote(what + ": curl_easy_setopt: " + curl_easy_strerror(rc));

  rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    return fail_remote(what + ": " + detail);
  }
  long status = 0;
  rc = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) return fail_remote(what + ": curl_easy_getinfo: " + curl_easy_strerror(rc));
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace quarry
