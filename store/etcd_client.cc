#include "store/etcd_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include "core/text.h"

namespace quarry {

namespace {

constexpr std::size_t kMaxResponse = 64 * 1024 * 1024;

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * n > kMaxResponse) return 0;
  body->append(data, size * n);
  return size * n;
}

bool unreachable(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_SSL_CONNECT_ERROR ||
         code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING;
}

Status parse_endpoint(const std::string& ep) {
  auto colon = ep.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == ep.size())
    return fail("store URL: endpoint '" + ep + "' is not HOST:PORT", ErrorKind::Usage);
  auto port = ep.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) == 0 ||
      std::stoi(port) > 65535)
    return fail("store URL: endpoint '" + ep + "' has no valid port", ErrorKind::Usage);
  return {};
}

Status apply_query(EtcdOptions& o, const std::string& query) {
  for (const auto& part : split(query, '&')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) return fail("store URL: option '" + part + "' has no '='", ErrorKind::Usage);
    auto name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "cacert") o.cacert = value;
    else if (name == "cert") o.cert = value;
    else if (name == "key") o.key = value;
    else if (name == "timeout" && !value.empty() && value.size() < 7 &&
             value.find_first_not_of("0123456789") == std::string::npos)
      o.timeout = std::chrono::milliseconds(std::stoi(value));
    else
      return fail("store URL: unknown option '" + part + "' (cacert, cert, key, timeout=MS)", ErrorKind::Usage);
  }
  if (o.cert.empty() != o.key.empty())
    return fail("store URL: cert= and key= go together (the TLS client certificate and its key)", ErrorKind::Usage);
  return {};
}

}  // namespace

Result<EtcdOptions> parse_etcd_url(std::string_view url) {
  constexpr std::string_view scheme = "etcd://";
  if (!starts_with(url, scheme)) return fail("store URL: expected etcd://HOST:PORT,...", ErrorKind::Usage);
  if (url.size() > 4096) return fail("store URL: longer than 4096 bytes", ErrorKind::Usage);
  std::string rest(url.substr(scheme.size()));
  EtcdOptions o;
  if (auto q = rest.find('?'); q != std::string::npos) {
    if (auto s = apply_query(o, rest.substr(q + 1)); !s) return std::unexpected(s.error());
    rest.resize(q);
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    o.prefix = rest.substr(slash);
    if (o.prefix.back() != '/') o.prefix += '/';
    rest.resize(slash);
  }
  for (const auto& ep : split(rest, ',')) {
    if (auto s = parse_endpoint(ep); !s) return std::unexpected(s.error());
    o.endpoints.push_back(ep);
  }
  if (o.endpoints.empty()) return fail("store URL: no etcd endpoint in " + std::string(url), ErrorKind::Usage);
  return o;
}

std::string etcd_url(const EtcdOptions& o) {
  auto url = "etcd://" + join(o.endpoints, ",");
  if (o.prefix != "/quarry/") url += o.prefix;
  return url;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& c = prefix.back();
    if (static_cast<unsigned char>(c) != 0xff) {
      ++c;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');
}

struct EtcdClient::Attempt {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string error;  // empty when the exchange itself worked
};

EtcdClient::EtcdClient(EtcdOptions options) : options_(std::move(options)) { static CurlInit init; }

EtcdClient::~EtcdClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* EtcdClient::take_handle() {
  {
    std::lock_guard guard(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void EtcdClient::give_back(void* handle) {
  std::lock_guard guard(mu_);
  if (idle_.size() < 16) idle_.push_back(handle);
  else curl_easy_cleanup(static_cast<CURL*>(handle));
}

EtcdClient::Attempt EtcdClient::post(const std::string& endpoint, const std::string& path, const std::string& body,
                                     std::chrono::milliseconds timeout) {
  Attempt a;
  auto* curl = static_cast<CURL*>(take_handle());
  if (!curl) {
    a.code = CURLE_FAILED_INIT;
    a.error = "cannot start an HTTP request";
    return a;
  }
  curl_easy_reset(curl);
  auto url = std::string(options_.tls() ? "https://" : "http://") + endpoint + path;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  bool ok = curl_easy_setopt(curl, CURLOPT_URL, url.c_str()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str()) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count())) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect) == CURLE_OK &&
            curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body) == CURLE_OK;
  if (ok && !options_.cacert.empty()) ok = curl_easy_setopt(curl, CURLOPT_CAINFO, options_.cacert.c_str()) == CURLE_OK;
  if (ok && !options_.cert.empty()) {
    ok = curl_easy_setopt(curl, CURLOPT_SSLCERT, options_.cert.c_str()) == CURLE_OK &&
         curl_easy_setopt(curl, CURLOPT_SSLKEY, options_.key.c_str()) == CURLE_OK;
  }
  if (!ok) {
    a.code = CURLE_FAILED_INIT;
    a.error = "cannot set up the HTTP request";
  } else {
    a.code = curl_easy_perform(curl);
    if (a.code != CURLE_OK) a.error = curl_easy_strerror(a.code);
    else if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status) != CURLE_OK) a.error = "no HTTP status";
  }
  curl_slist_free_all(headers);
  give_back(curl);
  return a;
}

namespace {
// The gateway's own error: {"error": ..., "code": N}.
std::string gateway_error(long status, const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return "HTTP " + std::to_string(status) + ": " + j["message"].get<std::string>();
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 200);
}
}  // namespace

Result<nlohmann::json> EtcdClient::call(const std::string& path, const nlohmann::json& body, bool idempotent) {
  auto text = body.dump();
  std::size_t start;
  {
    std::lock_guard guard(mu_);
    start = preferred_;
  }
  std::vector<std::string> tried;
  auto n = options_.endpoints.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& ep = options_.endpoints[(start + i) % n];
    auto a = post(ep, path, text, options_.timeout);
    if (a.error.empty() && a.status == 200) {
      auto j = nlohmann::json::parse(a.body, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        tried.push_back(ep + ": answer is not JSON");
        if (!idempotent) break;
        continue;
      }
      std::lock_guard guard(mu_);
      preferred_ = (start + i) % n;
      return j;
    }
    if (a.error.empty() && a.status >= 400 && a.status < 500 && a.status != 408 && a.status != 429) {
      // The request itself was refused (too large, lease not found): no use retrying.
      return fail("etcd " + ep + ": " + gateway_error(a.status, a.body));
    }
    tried.push_back(ep + ": " + (a.error.empty() ? gateway_error(a.status, a.body) : a.error));
    if (!idempotent && !unreachable(a.code)) break;
  }
  return fail_remote("etcd: no endpoint completed the request (" + join(tried, "; ") +
                     "); is etcd running and does it have quorum? endpoints: " + join(options_.endpoints, ","));
}

Result<nlohmann::json> EtcdClient::call_endpoint(const std::string& endpoint, const std::string& path,
                                                 const nlohmann::json& body) {
  auto a = post(endpoint, path, body.dump(), options_.timeout);
  if (!a.error.empty()) return fail_remote("etcd " + endpoint + ": " + a.error);
  if (a.status != 200) return fail_remote("etcd " + endpoint + ": " + gateway_error(a.status, a.body));
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail_remote("etcd " + endpoint + ": answer is not JSON");
  return j;
}

namespace {
struct StreamState {
  std::string pending;
  const std::function<Result<bool>(const nlohmann::json&)>* on_message;
  std::optional<Error> error;
  bool done = false;
};

size_t stream_chunk(char* data, size_t size, size_t n, void* out) {
  auto* st = static_cast<StreamState*>(out);
  st->pending.append(data, size * n);
  if (st->pending.size() > kMaxResponse) {
    st->error = Error{"etcd watch: message over 64 MiB", ErrorKind::Remote};
    return 0;
  }
  std::size_t nl;
  while ((nl = st->pending.find('\n')) != std::string::npos) {
    auto line = st->pending.substr(0, nl);
    st->pending.erase(0, nl + 1);
    if (trim(line).empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      st->error = Error{"etcd watch: answer is not JSON: " + line.substr(0, 200), ErrorKind::Remote};
      return 0;
    }
    auto more = (*st->on_message)(j);
    if (!more) {
      st->error = more.error();
      return 0;
    }
    if (!*more) {
      st->done = true;
      return 0;
    }
  }
  return size * n;
}
}  // namespace

Status EtcdClient::stream(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout,
                          const std::function<Result<bool>(const nlohmann::json&)>& on_message) {
  std::size_t start;
  {
    std::lock_guard guard(mu_);
    start = preferred_;
  }
  auto text = body.dump();
  std::vector<std::string> tried;
  auto n = options_.endpoints.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& ep = options_.endpoints[(start + i) % n];
    auto* curl = curl_easy_init();
    if (!curl) return fail_remote("etcd watch: cannot start an HTTP request");
    StreamState st;
    st.on_message = &on_message;
    auto url = std::string(options_.tls() ? "https://" : "http://") + ep + path;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    bool ok = curl_easy_setopt(curl, CURLOPT_URL, url.c_str()) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text.c_str()) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count())) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, stream_chunk) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st) == CURLE_OK;
    if (ok && !options_.cacert.empty()) ok = curl_easy_setopt(curl, CURLOPT_CAINFO, options_.cacert.c_str()) == CURLE_OK;
    if (ok && !options_.cert.empty())
      ok = curl_easy_setopt(curl, CURLOPT_SSLCERT, options_.cert.c_str()) == CURLE_OK &&
           curl_easy_setopt(curl, CURLOPT_SSLKEY, options_.key.c_str()) == CURLE_OK;
    CURLcode code = ok ? curl_easy_perform(curl) : CURLE_FAILED_INIT;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (st.error) return std::unexpected(*st.error);
    if (st.done || code == CURLE_OPERATION_TIMEDOUT || (code == CURLE_OK && status == 200)) return {};
    tried.push_back(ep + ": " + (code != CURLE_OK ? curl_easy_strerror(code) : "HTTP " + std::to_string(status)));
  }
  return fail_remote("etcd: no endpoint answered the watch (" + join(tried, "; ") +
                     "); is etcd running and does it have quorum?");
}

}  // namespace quarry
