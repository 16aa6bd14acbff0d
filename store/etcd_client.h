// etcd's v3 API through its JSON gateway (etcd 3.4: /v3/kv/range, /v3/kv/txn,
// /v3/lease/*, /v3/watch, /v3/maintenance/status, /v3/cluster/member/list),
// over libcurl. Keys and values travel base64-encoded.
//
// Endpoints are tried in turn starting from the last one that answered. A
// request moves on to the next endpoint only when the previous one could not
// be reached or (for reads) failed; a write that reached a member and timed
// out is not resent elsewhere, so it is never applied twice. When no
// endpoint answers the error (kind Remote, exit 3) names every endpoint and
// what each said. Every HTTP status and every response body is checked.
// Thread-safe: connections are pooled, one request per handle at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // "127.0.0.1:2379"
  std::string cacert;                  // TLS: CA bundle; any TLS option switches to https
  std::string cert;                    // TLS client certificate
  std::string key;                     // its private key
  std::chrono::milliseconds timeout{3000};  // per request and endpoint
  std::string prefix = "/quarry/";     // every key lives below it
  bool tls() const { return !cacert.empty() || !cert.empty(); }
};

// "etcd://HOST:PORT[,HOST:PORT...][/PREFIX][?cacert=F&cert=F&key=F&timeout=MS]"
// to options; an error says which part is wrong.
Result<EtcdOptions> parse_etcd_url(std::string_view url);
std::string etcd_url(const EtcdOptions& options);

std::string base64_encode(std::string_view bytes);
// The first key after every key that starts with `prefix` (etcd's range_end).
std::string prefix_end(std::string prefix);

class EtcdClient {
 public:
  explicit EtcdClient(EtcdOptions options);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // POSTs `body` to `path` ("/v3/kv/range") and returns the parsed answer.
  // `idempotent`: may be resent to another endpoint after any failure.
  Result<nlohmann::json> call(const std::string& path, const nlohmann::json& body, bool idempotent);

  // POSTs to a streaming path (/v3/watch) on one endpoint and hands each
  // JSON line to `on_message` until it returns false or `timeout` passes
  // (a timeout is not an error).
  Status stream(const std::string& path, const nlohmann::json& body, std::chrono::milliseconds timeout,
                const std::function<Result<bool>(const nlohmann::json&)>& on_message);

  // Asks one endpoint directly (no failover), for member health.
  Result<nlohmann::json> call_endpoint(const std::string& endpoint, const std::string& path,
                                       const nlohmann::json& body);

  const EtcdOptions& options() const { return options_; }

 private:
  struct Attempt;
  Attempt post(const std::string& endpoint, const std::string& path, const std::string& body,
               std::chrono::milliseconds timeout);
  void* take_handle();
  void give_back(void* handle);

  EtcdOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;
  std::size_t preferred_ = 0;
};

}  // namespace quarry
