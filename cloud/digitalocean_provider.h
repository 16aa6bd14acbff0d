// Servers as DigitalOcean droplets, through the API v2 (bearer token auth):
//   launch   POST   /v2/droplets, tagged with the cluster's tag and a tag
//            unique to this create (qc-TOKEN); after an unknown outcome (no
//            answer, 5xx) GET /v2/droplets?tag_name=qc-TOKEN finds a droplet
//            the lost request made before the POST is tried again
//   wait     GET    /v2/droplets/{id} until "active" with a public IPv4
//            address, then until port 22 answers
//   destroy  DELETE /v2/droplets/{id}   (404 counts as already gone)
//   list     GET    /v2/droplets?tag_name=TAG (every page)
//   resize   POST   /v2/droplets/{id}/actions power_off, resize, power_on,
//            each followed by GET /v2/actions/{id} until "completed"
//   sizes    GET    /v2/sizes (price_monthly)
// Every call is retried on 429 and 5xx (RetryPolicy, honoring Retry-After
// and ratelimit-reset); GETs and DELETEs also on a lost answer.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cloud/http_client.h"
#include "cloud/provider.h"
#include "cloud/retry.h"
#include "cloud/waiting.h"

namespace quarry {

struct DigitalOceanConfig {
  std::string token;                             // secret: never in messages
  std::string region = "nyc3";
  std::string image = "debian-12-x64";
  std::string size;                              // a size slug; empty: from memory/cpu (instance_sizes.h)
  std::vector<std::string> ssh_keys;             // account key ids or fingerprints, for root
  std::string ssh_user = "quarry";               // the user the first-boot config makes
  std::string authorized_key;                    // an HQ's public key, put in user_data
  std::vector<std::string> authorized_keys;      // every HQ's public key, with authorized_key
  std::string tag = "quarry";                    // the cluster's tag (cli makes it quarry-CLUSTER)
  std::string cluster_id;                        // names servers q-CLUSTER-N; empty: from the home
  std::string base_url = "https://api.digitalocean.com";
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds create_timeout{600000};  // until active and port 22 open
  bool wait_for_ssh = true;
  bool gc_destroy_unknown = false;               // audits give back tagged servers with no record
  RetryPolicy retry;
};

class DigitalOceanProvider : public Provider {
 public:
  // `http` must outlive the provider. Thread-safe when `http` is.
  DigitalOceanProvider(DigitalOceanConfig config, HttpClient& http, WaitDeps deps = WaitDeps::real());

  std::string name() const override { return "digitalocean"; }
  Result<Server> launch(const ServerSpec& spec) override;
  Result<Server> wait_ready(const Server& server) override;
  Result<std::optional<Server>> find_launched(const std::string& token) override;
  Status destroy(const Server& server) override;
  Result<std::vector<Server>> list() override;
  Result<Server> resize(const Server& server, const std::string& size) override;
  Result<std::vector<SizePrice>> sizes() override;

 private:
  // One request, retried while the answer is retryable (and, when
  // `idempotent`, while no answer comes). Returns the last answer.
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body = {},
                            bool idempotent = true);
  Result<HttpResponse> send_once(const std::string& method, const std::string& path, const std::string& body);
  Result<std::vector<Server>> list_tagged(const std::string& tag);
  Status run_action(const Server& server, const std::string& action_json);

  DigitalOceanConfig config_;
  HttpClient& http_;
  WaitDeps deps_;
};

// The request body of POST /v2/droplets for `spec` (pure; for tests and
// dry runs). Fails when no size fits the spec or a name or tag is invalid.
Result<std::string> digitalocean_create_body(const DigitalOceanConfig& config, const ServerSpec& spec);

}  // namespace quarry
